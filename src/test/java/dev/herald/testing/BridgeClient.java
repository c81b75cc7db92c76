package dev.herald.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A browser stand-in on the raw WebSocket endpoint (/eventbus/websocket), or on SockJS's websocket
 * transport, speaking the event-bus bridge frames as the official client does. Every frame received
 * is queued for assertions. A wait given no timeout lasts {@link Timeouts#FRAME}.
 */
public final class BridgeClient implements AutoCloseable {

  private final WebSocketClient client;
  private final WebSocket socket;
  /** SockJS framing: "o" opens, "h" beats, a["..."] carries messages, and the client sends ["..."]. */
  private final boolean sockJs;
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  /** SockJS's own frames (o, h, c[...]) as they came, in order. */
  private final LinkedBlockingQueue<String> sockJsControl = new LinkedBlockingQueue<>();
  /** Every WebSocket message received, as it came on the wire. */
  private final List<String> wire = new ArrayList<>();
  /** Completes with the status of Herald's close frame (null if none) once the connection is closed. */
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private BridgeClient(WebSocketClient client, WebSocket socket, boolean sockJs) {
    this.client = client;
    this.socket = socket;
    this.sockJs = sockJs;
    socket.textMessageHandler(text -> {
      synchronized (frames) {
        if (!sockJs) {
          frames.add(new JsonObject(text));
        } else if (text.startsWith("a")) {
          new JsonArray(text.substring(1)).forEach(message -> frames.add(new JsonObject((String) message)));
        } else {
          sockJsControl.add(text);
        }
        wire.add(text);
        frames.notifyAll();
      }
    });
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  /** Clients run on their own Vert.x, like browsers: they outlive any node they talk to. */
  private static final Vertx CLIENTS = Vertx.vertx();

  public static BridgeClient connect(int port, String token) {
    return connect(port, token, new WebSocketClientOptions());
  }

  /** A client whose TCP receive window is tiny, so that pausing it soon fills Herald's side. */
  public static BridgeClient connectWithSmallWindow(int port) {
    return connectWithSmallWindow(port, null);
  }

  /** With a token, and room for large messages (a live query's snapshot of big documents). */
  public static BridgeClient connectWithSmallWindow(int port, String token) {
    return connect(port, token, new WebSocketClientOptions().setReceiveBufferSize(4096)
        .setMaxMessageSize(8 << 20).setMaxFrameSize(8 << 20));
  }

  /** A client that offers permessage-deflate, as browsers do. */
  public static BridgeClient connectWithCompression(int port) {
    return connect(port, null, new WebSocketClientOptions().setTryUsePerMessageCompression(true));
  }

  /** A client that sends every message as one frame, however large (Vert.x splits them at 64 KiB). */
  public static BridgeClient connectWithWholeFrames(int port) {
    return connect(port, null, new WebSocketClientOptions().setMaxFrameSize(Integer.MAX_VALUE));
  }

  /** A client on SockJS's websocket transport, as sockjs-client connects in browsers. */
  public static BridgeClient connectSockJs(int port) {
    return connect(port, sockJsPath(), true, new WebSocketClientOptions());
  }

  /** Like {@link #connectWithSmallWindow}, on SockJS's websocket transport. */
  public static BridgeClient connectSockJsWithSmallWindow(int port) {
    return connect(port, sockJsPath(), true, new WebSocketClientOptions().setReceiveBufferSize(4096));
  }

  /** A client on the raw endpoint over TLS (wss://), trusting any certificate (a proxy's self-signed one). */
  public static BridgeClient connectTls(int port) {
    WebSocketClient client = CLIENTS.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket").setSsl(true))
        .map(ws -> new BridgeClient(client, ws, false))
        .await();
  }

  /** SockJS's websocket path: a server id and a session id chosen by the client. */
  private static String sockJsPath() {
    return "/eventbus/" + (int) (Math.random() * 1000) + "/" + UUID.randomUUID().toString().replace("-", "") + "/websocket";
  }

  private static BridgeClient connect(int port, String token, WebSocketClientOptions options) {
    String uri = "/eventbus/websocket" + (token == null ? "" : "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    return connect(port, uri, false, options);
  }

  private static BridgeClient connect(int port, String uri, boolean sockJs, WebSocketClientOptions options) {
    WebSocketClient client = CLIENTS.createWebSocketClient(options);
    // the handler is attached in the completion callback, on the socket's event loop, so a frame
    // Herald writes right at the handshake is not missed
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .map(ws -> new BridgeClient(client, ws, sockJs))
        .await();
  }

  /** The extensions Herald accepted in the handshake response (null: none). */
  public String negotiatedExtensions() {
    return socket.headers() == null ? null : socket.headers().get("Sec-WebSocket-Extensions");
  }

  /** Stops reading from the socket, like a browser tab frozen in the background. */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  /** Sends a WebSocket ping and returns the payload of the pong that answers it. */
  public String ping(String payload) {
    CompletableFuture<String> pong = new CompletableFuture<>();
    socket.pongHandler(data -> pong.complete(data.toString()));
    socket.writePing(Buffer.buffer(payload)).await();
    return within(pong);
  }

  /** Starts the closing handshake; returns the status of the close frame Herald answers with. */
  public Short closeWith(short status, String reason) {
    socket.close(status, reason);
    return closeStatus();
  }

  /** Waits for the connection to close; returns the status of Herald's close frame (null: it sent none). */
  public Short closeStatus() {
    return within(closed);
  }

  private static <T> T within(CompletableFuture<T> future) {
    try {
      return future.get(Timeouts.FRAME.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** Sends one bridge frame (in SockJS's framing on that transport). */
  public void sendRaw(String text) {
    sendUnframed(sockJs ? new JsonArray().add(text).encode() : text);
  }

  /** Sends a WebSocket message exactly as given. */
  public void sendUnframed(String text) {
    socket.writeTextMessage(text).await();
  }

  /** The next SockJS frame of the transport's own (o, h, c[...]), or an AssertionError. */
  public String nextSockJsControl() {
    try {
      String frame = sockJsControl.poll(Timeouts.FRAME.toMillis(), TimeUnit.MILLISECONDS);
      if (frame == null) {
        throw new AssertionError("no SockJS frame within " + Timeouts.FRAME);
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every WebSocket message received so far, as it came on the wire. */
  public List<String> wire() {
    synchronized (frames) {
      return List.copyOf(wire);
    }
  }

  public void register(String channel) {
    register(channel, new JsonObject());
  }

  public void register(String channel, JsonObject headers) {
    sendRaw(new JsonObject().put("type", "register").put("address", channel).put("headers", headers).encode());
  }

  /** Registers with a replyAddress and waits for Herald's ack: after it, published events arrive. */
  public void subscribe(String channel) {
    subscribe(channel, new JsonObject());
  }

  public void subscribe(String channel, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    sendRaw(new JsonObject().put("type", "register").put("address", channel).put("headers", headers)
        .put("replyAddress", replyAddress).encode());
    JsonObject ack = next(f -> replyAddress.equals(f.getString("address"))
        || ("err".equals(f.getString("type")) && channel.equals(f.getString("address"))));
    if (!"rec".equals(ack.getString("type"))) {
      throw new AssertionError("subscribe to " + channel + " failed: " + ack.encode());
    }
  }

  public void unregister(String channel) {
    sendRaw(new JsonObject().put("type", "unregister").put("address", channel).encode());
  }

  /** Sends to a service with a fresh replyAddress and returns the reply (rec or err frame). */
  public JsonObject request(String address, JsonObject body) {
    return request(address, body, new JsonObject());
  }

  public JsonObject request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    sendRaw(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
        .put("headers", headers).put("body", body).encode());
    return next(f -> replyAddress.equals(f.getString("address")));
  }

  /** The next err frame. */
  public JsonObject nextErr() {
    return next(f -> "err".equals(f.getString("type")));
  }

  /** The next frame matching the filter (frames that do not match are kept), or an AssertionError. */
  public JsonObject next(Predicate<JsonObject> filter) {
    return next(filter, Timeouts.FRAME);
  }

  public JsonObject next(Predicate<JsonObject> filter, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (frames) {
      while (true) {
        for (JsonObject f : frames) {
          if (filter.test(f)) {
            frames.remove(f);
            return f;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching frame within " + timeout + "; have " + frames);
        }
        try {
          frames.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Collects the bodies of the next n durable deliveries (events with a seq) on a channel, in arrival order. */
  public List<JsonObject> deliveries(String channel, int n) {
    return deliveries(channel, n, Timeouts.FRAME);
  }

  public List<JsonObject> deliveries(String channel, int n, Duration timeout) {
    List<JsonObject> bodies = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (bodies.size() < n) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      try {
        bodies.add(next(eventOn(channel, body -> body.containsKey("seq")), left).getJsonObject("body"));
      } catch (AssertionError e) {
        // the seqs only: bodies may be large (SlowSubscriberTest's are 20 KB each)
        throw new AssertionError("got " + bodies.size() + " of " + n + " deliveries on " + channel + ", seqs "
            + bodies.stream().map(b -> b.getValue("seq")).toList(), e);
      }
    }
    return bodies;
  }

  /** The next ephemeral event (presence, typing, viewers: no seq) of that type on the channel. */
  public JsonObject ephemeral(String channel, String type) {
    return ephemeral(channel, type, Timeouts.FRAME);
  }

  public JsonObject ephemeral(String channel, String type, Duration timeout) {
    return next(eventOn(channel, ephemeralOfType(type)), timeout).getJsonObject("body");
  }

  /** The next event on the channel whose body (its envelope) matches, durable or ephemeral. */
  public JsonObject event(String channel, Predicate<JsonObject> body) {
    return next(eventOn(channel, body)).getJsonObject("body");
  }

  /** Ephemeral events of that type on the channel received so far, taken without waiting. */
  public List<JsonObject> takeEphemeral(String channel, String type) {
    Predicate<JsonObject> wanted = eventOn(channel, ephemeralOfType(type));
    List<JsonObject> taken = new ArrayList<>();
    synchronized (frames) {
      for (JsonObject f : new ArrayList<>(frames)) {
        if (wanted.test(f)) {
          frames.remove(f);
          taken.add(f.getJsonObject("body"));
        }
      }
    }
    return taken;
  }

  /** Rec frames on the channel (its events) whose body, the event's envelope, matches. */
  private static Predicate<JsonObject> eventOn(String channel, Predicate<JsonObject> body) {
    return f -> "rec".equals(f.getString("type")) && channel.equals(f.getString("address")) && body.test(f.getJsonObject("body"));
  }

  /** Envelopes of ephemeral events (no seq) of that type. */
  private static Predicate<JsonObject> ephemeralOfType(String type) {
    return body -> type.equals(body.getString("type")) && !body.containsKey("seq");
  }

  /** Frames received so far that nobody has taken, without waiting. */
  public List<JsonObject> pending() {
    synchronized (frames) {
      return new ArrayList<>(frames);
    }
  }

  @Override
  public void close() {
    socket.close();
    client.close();
  }
}
