package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.Params;
import dev.herald.hub.Subscriber;
import dev.herald.internals.EventLoopContexts;
import dev.herald.module.BridgeService;
import dev.herald.module.BridgeSession;
import dev.herald.module.SubscriptionSource;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser connection (SockJS or raw WebSocket) speaking the Vert.x event-bus bridge protocol: {@code register} a channel
 * (optionally with {@code headers.since}), {@code unregister}, and {@code send} to the modules' services. It tells the
 * modules' listener about each step of its life and names no feature itself.
 * Every problem is answered with an {@code err} frame; the socket stays open.
 *
 * <p>Who the socket is and what it is subscribed to is its {@link SocketAccess}: identities expire
 * and are replaced there, and every subscription is checked again when they do.
 *
 * <p>A node holds tens of thousands of these, most of them idle, so a socket keeps only what it
 * uses: what sockets share lives in the {@link BridgeEndpoint}, modules' per-socket state appears
 * with its first use, and the subscription map starts at the size of one subscription.
 */
public final class BridgeSocket implements Subscriber, BridgeSession {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeSocket.class);
  /** Each socket may hold this many subscriptions; more is almost surely a client bug. */
  static final int MAX_SUBSCRIPTIONS = 500;
  static final String AUTH_ADDRESS = "herald.auth";
  /** herald.auth {token}: replaces the socket's identity (token refresh before expiry). The protocol's own service. */
  static final BridgeService AUTH = (socket, who, body) -> ((BridgeSocket) socket).access.authenticate(body);
  static final String PING_ADDRESS = "herald.ping";
  /**
   * herald.ping {}: answers {pong:true}. A client that has heard nothing for a while asks, to tell
   * a quiet socket from a dead one its transport has not noticed (a half-open TCP connection, an
   * HTTP streaming response cut by a proxy).
   */
  static final BridgeService PING = (socket, who, body) -> Future.succeededFuture(new JsonObject().put("pong", true));
  /** Source of node-local socket ids (presence tracks sockets by id; only this node sees them). */
  private static final AtomicLong SERIALS = new AtomicLong();

  private final BridgeConnection socket;
  private final BridgeEndpoint bridge;
  /**
   * The context of the event loop that owns the connection (the handshake ran on it); the hub
   * writes from it. Not the handshake's own context: Vert.x gives every HTTP request a duplicate
   * of its loop's context, and the hub groups sockets by context, one task per group.
   */
  private final Context context = EventLoopContexts.current();
  private final long serial = SERIALS.incrementAndGet();
  /** Its identity and subscriptions, changed under one lock in the order its frames came. */
  private final SocketAccess access;
  private final Backlog backlog;
  /** The socket's request limits; null until its first request (most sockets never send one). */
  private volatile RequestGate gate;
  /** Modules' per-socket state; null until one needs some (most sockets never do). Guarded by this. */
  private Map<Object, Object> attachments;

  BridgeSocket(BridgeConnection socket, BridgeEndpoint bridge) {
    this.socket = socket;
    this.bridge = bridge;
    this.backlog = new Backlog(socket);
    this.access = new SocketAccess(this, bridge);
  }

  @Override
  public String id() {
    return Long.toString(serial);
  }

  @Override
  public boolean subscribedTo(String channel) {
    return access.subscribedTo(channel);
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized <T> T attachment(Object key, Supplier<T> create) {
    if (attachments == null) {
      attachments = new HashMap<>(2);
    }
    return (T) attachments.computeIfAbsent(key, k -> create.get());
  }

  long serial() {
    return serial;
  }

  public void start() {
    access.start(bridge.credentials.ofHandshake(socket.uri())).onFailure(err -> sendErr(null, HeraldException.from(err)));
    socket.frameHandler(this::onFrame);
    socket.drainHandler(v -> backlog.check());
    socket.closeHandler(v -> {
      access.close();
      bridge.closed(this);
    });
  }

  /** How the client is connected (websocket, sockjs-websocket, sockjs-http). */
  String transport() {
    return socket.transport();
  }

  /** The node drains: this client should reconnect at once, to another node. */
  void restart() {
    context.runOnContext(v -> socket.close(1012, "the node is restarting; reconnect"));
  }

  private void onFrame(Buffer buffer) {
    if (buffer.length() > bridge.maxFrameBytes) {
      sendErr(oversizedFrameAddress(buffer), HeraldException.tooLarge(
          "frame of " + buffer.length() + " bytes is over the limit of " + bridge.maxFrameBytes));
      return;
    }
    JsonObject frame;
    try {
      frame = buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      sendErr(null, HeraldException.badRequest("invalid_json", "a frame must be a JSON object"));
      return;
    }
    if (!frameAdmitted(frame)) {
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
      register(addr, headers, frame.getValue("replyAddress"));
    } else if ("unregister".equals(type)) {
      access.unregister(addr);
    } else if ("send".equals(type)) {
      send(addr, frame, headers);
    } else if ("publish".equals(type)) {
      sendErr(addr, new HeraldException(404, "not_found",
          "publish frames are not served; send {channel,type,data} to herald.publish instead"));
    } else {
      sendErr(errAddress(frame, addr), HeraldException.badRequest("bad_frame", "unknown frame type " + type));
    }
  }

  /**
   * Subscribes the socket. A register frame that carries a replyAddress (the official client sends
   * none; Herald's SDK does) is acknowledged with {channel, subscribed:true} once the subscription
   * is in place, i.e. its replay is queued ahead of any live event.
   */
  private void register(String channel, JsonObject headers, Object replyAddress) {
    boolean ownToken = headers.getValue("token") != null;
    SubscriptionSource source = bridge.sourceOf(channel);
    bridge.credentials.ofFrame(headers, access.identity()).compose(who -> {
      Long since = null;
      if (source == null) {
        bridge.namespaces.checkSubscribe(who, channel);
      }
      // a module's subscriptions are counted against their address's namespace limits too (live: for live queries)
      takeRegister(who, channel);
      if (source == null) {
        bridge.listener.subscribing(this, who, channel, headers);
        since = headers.containsKey("since") ? Params.since(headers.getValue("since")) : null;
      }
      if (!access.subscribedTo(channel) && access.size() >= MAX_SUBSCRIPTIONS) {
        throw new HeraldException(429, "too_many_subscriptions",
            "a socket may hold at most " + MAX_SUBSCRIPTIONS + " subscriptions");
      }
      Subscription subscription = access.add(channel, who, ownToken);
      // The subscription completes later (a new feed waits for its cluster consumer and the journal head)
      Future<Void> inPlace = source != null
          ? source.subscribe(this, who, channel, headers)
          : bridge.hub.subscribe(this, channel, since);
      return inPlace.map(v -> {
        access.inPlace(channel, subscription, who, headers);
        return v;
      }).onFailure(err -> access.failed(channel, subscription));
    }).onSuccess(v -> {
      if (access.closed()) {
        return;
      }
      if (replyAddress instanceof String r) {
        socket.write(Frames.rec(r, new JsonObject().put("channel", channel).put("subscribed", true)));
      }
    }).onFailure(err -> sendErr(channel, HeraldException.from(err)));
  }

  private void send(String address, JsonObject frame, JsonObject headers) {
    Object replyAddress = frame.getValue("replyAddress");
    String answerTo = replyAddress instanceof String r ? r : address;
    BridgeService service = bridge.services.get(address);
    if (service == null) {
      sendErr(answerTo, HeraldException.notFound("no service at " + address
          + "; services are " + String.join(", ", new TreeSet<>(bridge.services.keySet()))));
      return;
    }
    Object body = frame.getValue("body");
    if (!(body instanceof JsonObject json)) {
      sendErr(answerTo, HeraldException.badRequest("invalid_body", address + " takes a JSON object body"));
      return;
    }
    RequestGate requests = gate();
    if (!requests.enter()) {
      sendErr(answerTo, requests.tooManyRequests());
      return;
    }
    bridge.drain.started(); // a commit it makes is finished before the node closes
    bridge.credentials.ofFrame(headers, access.identity())
        .compose(who -> service.serve(this, who, json))
        .onComplete(answer -> {
          bridge.drain.finished();
          if (answer.failed()) {
            sendErr(answerTo, logged(answer.cause()));
          } else if (replyAddress instanceof String r) {
            socket.write(Frames.rec(r, answer.result()));
          }
          requests.done();
        });
  }

  /** The socket's request limits, made with its first request. */
  private RequestGate gate() {
    RequestGate g = gate;
    if (g == null) {
      synchronized (this) {
        if (gate == null) {
          gate = new RequestGate(bridge.limits);
        }
        g = gate;
      }
    }
    return g;
  }

  /** Counts the frame against the inbound frame limits where configured; answers a 429 and returns false over them. */
  private boolean frameAdmitted(JsonObject frame) {
    if (bridge.limits.framesPerSocket() == null && bridge.framesByUser == null) {
      return true;
    }
    Future<Identity> who = access.identity();
    try {
      gate().takeFrame(who != null && who.succeeded() ? who.result().subject() : null, bridge.framesByUser);
      return true;
    } catch (HeraldException e) {
      Object address = frame.getValue("address");
      sendErr(errAddress(frame, address instanceof String a ? a : null), e);
      return false;
    }
  }

  /** Counts a register against its namespace's limits, per socket and per user, or throws a 429. */
  private void takeRegister(Identity who, String channel) {
    Namespace namespace = bridge.namespaces.of(channel);
    if (namespace.limits().subscribePerSocket() != null) {
      gate().takeSubscribe(namespace);
    }
    namespace.limits().takeSubscribe(who);
  }

  /** Tells the client why it may not stay (a cap it is over) and closes the socket as a policy violation (1008). */
  void refuse(HeraldException reason) {
    socket.write(Frames.err(null, reason));
    socket.close(1008, reason.code());
  }







  /**
   * Where the err for a frame over the size limit goes: a request's replyAddress (or a register's
   * channel) when the frame says one, as for any other refusal. The transport already bounds a
   * message to a few times the frame limit, so reading it costs little.
   */
  private static String oversizedFrameAddress(Buffer buffer) {
    try {
      JsonObject frame = buffer.toJsonObject();
      return frame.getValue("address") instanceof String address ? errAddress(frame, address) : null;
    } catch (DecodeException | ClassCastException tooBrokenToTell) {
      return null;
    }
  }

  private static String errAddress(JsonObject frame, String address) {
    return frame.getValue("replyAddress") instanceof String r ? r : address;
  }

  /** The failure as the client sees it: a bug logged with its trace, an unreachable store as one line (they come in floods). */
  private static HeraldException logged(Throwable err) {
    HeraldException he = HeraldException.from(err);
    if (he.status() == 503 && !(err instanceof HeraldException)) {
      LOG.warn("bridge service unavailable: {}", err.toString());
    } else if (he.status() >= 500 && !(err instanceof HeraldException)) {
      LOG.error("bridge service failed", err);
    }
    return he;
  }

  /** Writes an err frame; a socket that keeps earning 429s is closed as abusive (1008). */
  void sendErr(String address, HeraldException e) {
    socket.write(Frames.err(address, e));
    if (e.status() == 429) {
      bridge.rateLimited.increment();
    }
    if (e.status() == 429 && gate().violated()) {
      LOG.debug("closing bridge socket {}: too many refused requests", serial);
      socket.close(1008, "policy violation: too many refused requests");
    }
  }

  /** Called by the node's {@link ExpirySweep} once the earliest exp among this socket's identities has passed. */
  void expire() {
    access.expire();
  }

  // ---- Subscriber: called by the hub, possibly from its thread ----

  @Override
  public Context context() {
    return context;
  }

  @Override
  public void write(EncodedFrame frame) {
    socket.write(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return backlog.full();
  }

  @Override
  public void whenDrained(Runnable action) {
    backlog.whenDrained(action);
  }

  @Override
  public void subscriptionFailed(String channel, HeraldException error) {
    sendErr(channel, error);
  }
}
