package dev.herald.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A browser stand-in on the raw WebSocket endpoint (/eventbus/websocket), or on SockJS's websocket
 * transport, speaking the event-bus bridge frames as the official client does. Every frame received
 * is queued for assertions.
 */
public final class BridgeClient extends BridgeFrameClient {

  private final WebSocketClient client;
  private final WebSocket socket;
  /** SockJS framing: "o" opens, "h" beats, a["..."] carries messages, and the client sends ["..."]. */
  private final boolean sockJs;
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
      synchronized (wire) {
        wire.add(text);
      }
      if (!sockJs) {
        received(new JsonObject(text));
      } else if (text.startsWith("a")) {
        new JsonArray(text.substring(1)).forEach(message -> received(new JsonObject((String) message)));
      } else {
        sockJsControl.add(text);
      }
    });
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }


  public static BridgeClient connect(int port, String token) {
    return connect(port, token, new WebSocketClientOptions());
  }

  /** A client whose TCP receive window is tiny, so that pausing it soon fills Herald's side. */
  public static BridgeClient connectWithSmallWindow(int port) {
    return connect(port, null, new WebSocketClientOptions().setReceiveBufferSize(4096));
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
  @Override
  public void pause() {
    socket.pause();
  }

  @Override
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
      return future.get(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** Sends one bridge frame (in SockJS's framing on that transport). */
  @Override
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
      String frame = sockJsControl.poll(15, TimeUnit.SECONDS);
      if (frame == null) {
        throw new AssertionError("no SockJS frame within 15 s");
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every WebSocket message received so far, as it came on the wire. */
  public List<String> wire() {
    synchronized (wire) {
      return List.copyOf(wire);
    }
  }

  @Override
  public void close() {
    socket.close();
    client.close();
  }
}
