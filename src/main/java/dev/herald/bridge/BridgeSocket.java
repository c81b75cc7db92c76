package dev.herald.bridge;

import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.hub.Hub;
import dev.herald.hub.Subscriber;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser connection speaking the Vert.x event-bus bridge protocol: {@code register} a channel
 * (optionally with {@code headers.since}), {@code unregister}, and {@code send} to Herald's services.
 * Every problem is answered with an {@code err} frame; the socket stays open.
 */
public final class BridgeSocket implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeSocket.class);
  /** Each socket may hold this many subscriptions; more is almost surely a client bug. */
  static final int MAX_SUBSCRIPTIONS = 500;

  private final SockJSSocket socket;
  private final Hub hub;
  private final Channels channels;
  private final Authenticator auth;
  private final int maxFrameBytes;
  private final Map<String, Function<Request, Future<?>>> services;
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  private final List<Runnable> drainActions = new ArrayList<>();
  private Future<Identity> identity;

  /** A send frame being served: its body and the identity it acts for. */
  record Request(JsonObject body, Identity who) {
  }

  public BridgeSocket(SockJSSocket socket, Hub hub, Channels channels, Authenticator auth, int maxFrameBytes) {
    this.socket = socket;
    this.hub = hub;
    this.channels = channels;
    this.auth = auth;
    this.maxFrameBytes = maxFrameBytes;
    this.services = Map.of(
        "herald.publish", this::publish,
        "herald.history", this::history,
        "herald.auth", this::authenticate);
  }

  public void start() {
    String token = queryParam(socket.uri(), "token");
    identity = token == null ? Future.succeededFuture(Identity.ANONYMOUS) : auth.verifyToken(token);
    identity.onFailure(err -> sendErr(null, HeraldException.from(err)));
    socket.handler(this::onFrame);
    socket.closeHandler(v -> hub.unsubscribeAll(this));
    socket.exceptionHandler(err -> LOG.debug("socket error", err));
  }

  private void onFrame(Buffer buffer) {
    if (buffer.length() > maxFrameBytes) {
      sendErr(null, HeraldException.tooLarge("frame of " + buffer.length() + " bytes is over the limit of " + maxFrameBytes));
      return;
    }
    JsonObject frame;
    try {
      frame = buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      sendErr(null, HeraldException.badRequest("invalid_json", "a frame must be a JSON object"));
      return;
    }
    Object type = frame.getValue("type");
    Object address = frame.getValue("address");
    if ("ping".equals(type)) {
      return;
    }
    if (!(address instanceof String addr)) {
      sendErr(null, HeraldException.badRequest("bad_frame", "a " + type + " frame needs a string address"));
      return;
    }
    if (!(frame.getValue("headers", new JsonObject()) instanceof JsonObject headers)) {
      sendErr(errAddress(frame, addr), HeraldException.badRequest("bad_frame", "headers must be a JSON object"));
      return;
    }
    if ("register".equals(type)) {
      register(addr, headers);
    } else if ("unregister".equals(type)) {
      if (subscribed.remove(addr)) {
        hub.unsubscribe(this, addr);
      }
    } else if ("send".equals(type)) {
      send(addr, frame, headers);
    } else if ("publish".equals(type)) {
      sendErr(addr, new HeraldException(404, "not_found",
          "publish frames are not served; send {channel,type,data} to herald.publish instead"));
    } else {
      sendErr(errAddress(frame, addr), HeraldException.badRequest("bad_frame", "unknown frame type " + type));
    }
  }

  private void register(String channel, JsonObject headers) {
    identityFor(headers).compose(who -> {
      channels.checkSubscribe(who, channel);
      Long since = headers.containsKey("since") ? Channels.parseSince(headers.getValue("since")) : null;
      if (!subscribed.contains(channel) && subscribed.size() >= MAX_SUBSCRIPTIONS) {
        throw new HeraldException(429, "too_many_subscriptions", "a socket may hold at most " + MAX_SUBSCRIPTIONS + " subscriptions");
      }
      subscribed.add(channel);
      return hub.subscribe(this, channel, since);
    }).onFailure(err -> sendErr(channel, HeraldException.from(err)));
  }

  private void send(String address, JsonObject frame, JsonObject headers) {
    Object replyAddress = frame.getValue("replyAddress");
    String answerTo = replyAddress instanceof String r ? r : address;
    Function<Request, Future<?>> service = services.get(address);
    if (service == null) {
      sendErr(answerTo, HeraldException.notFound("no service at " + address
          + "; services are " + String.join(", ", new TreeSet<>(services.keySet()))));
      return;
    }
    Object body = frame.getValue("body");
    if (!(body instanceof JsonObject json)) {
      sendErr(answerTo, HeraldException.badRequest("invalid_body", address + " takes a JSON object body"));
      return;
    }
    identityFor(headers)
        .compose(who -> service.apply(new Request(json, who)))
        .onSuccess(reply -> {
          if (replyAddress instanceof String r) {
            socket.write(Frames.rec(r, reply));
          }
        })
        .onFailure(err -> sendErr(answerTo, logged(err)));
  }

  private Future<JsonObject> publish(Request req) {
    return channels.publish(req.who(), List.of(Channels.parseEvent(req.body(), null)))
        .map(results -> results.get(0).event().receipt());
  }

  private Future<JsonObject> history(Request req) {
    String channel = ChannelName.require(req.body().getString("channel"));
    return channels.history(req.who(), channel, Channels.parseSince(req.body().getValue("since")),
            Channels.parseLimit(req.body().getValue("limit")))
        .map(page -> {
          JsonArray events = new JsonArray();
          page.events().forEach(e -> events.add(e.envelope()));
          return new JsonObject().put("events", events).put("lastSeq", page.lastSeq());
        });
  }

  /** herald.auth {token}: replaces the socket's identity (token refresh before expiry). */
  private Future<JsonObject> authenticate(Request req) {
    Object token = req.body().getValue("token");
    Future<Identity> verified = auth.verifyToken(token instanceof String t ? t : null);
    return verified.map(who -> {
      identity = verified;
      return new JsonObject().put("ok", true).put("sub", who.subject());
    });
  }

  private Future<Identity> identityFor(JsonObject headers) {
    Object token = headers.getValue("token");
    if (token != null) {
      return auth.verifyToken(token instanceof String t ? t : null);
    }
    // A socket whose URL token was refused acts as anonymous: it may still use public channels.
    return identity.recover(err -> Future.succeededFuture(Identity.ANONYMOUS));
  }

  private static String errAddress(JsonObject frame, String address) {
    return frame.getValue("replyAddress") instanceof String r ? r : address;
  }

  private static HeraldException logged(Throwable err) {
    HeraldException he = HeraldException.from(err);
    if (he.status() >= 500 && !(err instanceof HeraldException)) {
      LOG.error("bridge service failed", err);
    }
    return he;
  }

  private void sendErr(String address, HeraldException e) {
    socket.write(Frames.err(address, e));
  }

  static String queryParam(String uri, String name) {
    int q = uri == null ? -1 : uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ---- Subscriber: called by the hub, possibly from its thread ----

  @Override
  public void write(Buffer frame) {
    socket.write(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void whenDrained(Runnable action) {
    synchronized (drainActions) {
      drainActions.add(action);
      if (drainActions.size() == 1) {
        socket.drainHandler(v -> runDrainActions());
      }
    }
    // The caller saw a full queue on its own thread, but the socket's event loop may have drained it
    // since, before the handler above was in place: that drain event is gone and no other comes
    // (nothing more is written to a lagging socket). Check again now that the handler is set.
    if (!socket.writeQueueFull()) {
      runDrainActions();
    }
  }

  private void runDrainActions() {
    List<Runnable> actions;
    synchronized (drainActions) {
      actions = List.copyOf(drainActions);
      drainActions.clear();
    }
    actions.forEach(Runnable::run);
  }

  @Override
  public void subscriptionFailed(String channel, HeraldException error) {
    sendErr(channel, error);
  }
}
