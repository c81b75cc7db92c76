package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.OnContext;
import dev.herald.core.Params;
import dev.herald.hub.Subscriber;
import dev.herald.internals.EventLoopContexts;
import dev.herald.module.BridgeService;
import dev.herald.module.BridgeSession;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Its identity (from {@code ?token=}, replaced by herald.auth) lasts until the token's exp: every
 * frame after it acts as anonymous, and when it expires, or herald.auth replaces it, each
 * subscription is checked again under the identity it now has ({@link #recheck}).
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
  static final BridgeService AUTH = (socket, who, body) -> ((BridgeSocket) socket).authenticate(body);
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
  /**
   * Channel -> the subscription in force for it (from its register frame). Listeners hear of
   * subscriptions, leaves, changes of identity and the close under this map's lock, so they hear in
   * the order the frames came (see {@link #register}). Sized for one subscription, the common case.
   */
  private final Map<String, Subscription> subscribed = new ConcurrentHashMap<>(1);
  private final Backlog backlog;
  /** The socket's request limits; null until its first request (most sockets never send one). */
  private volatile RequestGate gate;
  /** Modules' per-socket state; null until one needs some (most sockets never do). Guarded by this. */
  private Map<Object, Object> attachments;
  private volatile Future<Identity> identity;
  /** Where this socket is in the node's expiry order; null while none of its identities expires. Guarded by subscribed. */
  private ExpirySweep.Due due;
  private volatile boolean closed;

  BridgeSocket(BridgeConnection socket, BridgeEndpoint bridge) {
    this.socket = socket;
    this.bridge = bridge;
    this.backlog = new Backlog(socket);
  }

  @Override
  public String id() {
    return Long.toString(serial);
  }

  @Override
  public boolean subscribedTo(String channel) {
    return subscribed.containsKey(channel);
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
    identity = bridge.credentials.ofHandshake(socket.uri());
    identity.onSuccess(who -> {
      synchronized (subscribed) { // never after the close handler told the listeners
        if (!closed) {
          bridge.listener.identityChanged(this, Identity.ANONYMOUS, who);
          due = bridge.expiry.reschedule(due, this, who.expiresAtMillis());
        }
      }
    }).onFailure(err -> sendErr(null, HeraldException.from(err)));
    socket.frameHandler(this::onFrame);
    socket.drainHandler(v -> backlog.check());
    socket.closeHandler(v -> {
      synchronized (subscribed) {
        closed = true;
        due = bridge.expiry.reschedule(due, this, Long.MAX_VALUE);
        bridge.hub.unsubscribe(this, List.copyOf(subscribed.keySet()));
        bridge.listener.closed(this);
      }
    });
  }

  private void onFrame(Buffer buffer) {
    if (buffer.length() > bridge.maxFrameBytes) {
      sendErr(null, HeraldException.tooLarge("frame of " + buffer.length() + " bytes is over the limit of " + bridge.maxFrameBytes));
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
      synchronized (subscribed) {
        leave(addr);
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

  /**
   * Subscribes the socket. A register frame that carries a replyAddress (the official client sends
   * none; Herald's SDK does) is acknowledged with {channel, subscribed:true} once the subscription
   * is in place, i.e. its replay is queued ahead of any live event.
   */
  private void register(String channel, JsonObject headers, Object replyAddress) {
    boolean ownToken = headers.getValue("token") != null;
    bridge.credentials.ofFrame(headers, identity).compose(who -> {
      bridge.namespaces.checkSubscribe(who, channel);
      takeRegister(who, channel);
      bridge.listener.subscribing(this, who, channel, headers);
      Long since = headers.containsKey("since") ? Params.since(headers.getValue("since")) : null;
      if (!subscribed.containsKey(channel) && subscribed.size() >= MAX_SUBSCRIPTIONS) {
        throw new HeraldException(429, "too_many_subscriptions", "a socket may hold at most " + MAX_SUBSCRIPTIONS + " subscriptions");
      }
      Subscription subscription = new Subscription(who, ownToken);
      synchronized (subscribed) {
        subscribed.put(channel, subscription);
        if (ownToken && !closed && (due == null || who.expiresAtMillis() < due.at())) {
          due = bridge.expiry.reschedule(due, this, who.expiresAtMillis());
        }
      }
      return bridge.hub.subscribe(this, channel, since).map(v -> {
        // The subscription completes later (a new feed waits for its cluster consumer and the
        // journal head). If the socket closed, unregistered or registered again meanwhile, that
        // frame's leave has already gone to the listeners: telling them of the subscription now
        // would leave a ghost (a presence member, say).
        synchronized (subscribed) {
          if (closed) {
            bridge.hub.unsubscribe(this, channel); // the socket went away while the subscription was being set up
          } else if (subscribed.get(channel) == subscription) {
            subscription.live = true;
            // its identity may have changed meanwhile (herald.auth, expiry): the listeners hear of the current one
            bridge.listener.subscribed(this, subscription.who, channel, headers);
          }
        }
        return v;
      });
    }).onSuccess(v -> {
      if (closed) {
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
    bridge.credentials.ofFrame(headers, identity)
        .compose(who -> service.serve(this, who, json))
        .onComplete(answer -> {
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
    Future<Identity> who = identity;
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

  private Future<JsonObject> authenticate(JsonObject body) {
    Future<Identity> verified = bridge.credentials.verify(body.getValue("token"));
    return verified.map(who -> {
      synchronized (subscribed) { // never after the close handler told the listeners
        Identity previous = held();
        identity = verified;
        if (!closed) {
          bridge.listener.identityChanged(this, previous, who);
          recheck("herald.auth replaced the socket's token");
        }
      }
      return new JsonObject().put("ok", true).put("sub", who.subject());
    });
  }

  /**
   * Called by the node's {@link ExpirySweep} once the earliest exp among this socket's identities
   * has passed: an expired socket identity becomes anonymous, then every subscription is checked again.
   */
  void expire() {
    OnContext.run(context, () -> {
      synchronized (subscribed) {
        if (closed) {
          return;
        }
        Identity held = held();
        if (held.expiredAt(System.currentTimeMillis())) {
          identity = Future.succeededFuture(Identity.ANONYMOUS);
          bridge.listener.identityChanged(this, held, Identity.ANONYMOUS);
        }
        recheck("the token expired");
      }
    });
  }

  /** Checks every subscription again under the identity it now has ({@link Recheck}). Under the map's lock. */
  private void recheck(String why) {
    long earliest = Recheck.run(bridge.namespaces, subscribed, held(), why, System.currentTimeMillis(), new Recheck.Outcome() {
      @Override
      public void ended(String channel, HeraldException error) {
        end(channel, error);
      }

      @Override
      public void reidentified(String channel, Subscription s, Identity before) {
        if (s.live) {
          bridge.listener.reidentified(BridgeSocket.this, channel, before, s.who);
        }
      }
    });
    due = bridge.expiry.reschedule(due, this, earliest);
  }

  /** The subscription ends as an unregister would, and the client is told why. Under the map's lock. */
  private void end(String channel, HeraldException why) {
    leave(channel);
    // The err goes out after a round trip to the hub, which has then dropped the subscription: what
    // it wrote for the channel before is queued ahead of the err on this socket's loop, nothing after.
    bridge.hub.subscriberCount(channel).onComplete(ar -> OnContext.run(context, () -> {
      if (!closed) {
        sendErr(channel, why);
      }
    }));
  }

  /** Unsubscribes from the channel, if subscribed, and tells the listeners. Under the map's lock. */
  private void leave(String channel) {
    if (subscribed.remove(channel) != null) {
      bridge.hub.unsubscribe(this, channel);
      bridge.listener.left(this, channel);
    }
  }

  /** The socket's identity as set (anonymous if its URL token was refused), expired or not. */
  private Identity held() {
    Future<Identity> current = identity;
    return current.succeeded() ? current.result() : Identity.ANONYMOUS;
  }

  private static String errAddress(JsonObject frame, String address) {
    return frame.getValue("replyAddress") instanceof String r ? r : address;
  }

  /** The failure as the client sees it; a bug is logged with its trace, an unreachable store as one line (it may come in floods). */
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
  private void sendErr(String address, HeraldException e) {
    socket.write(Frames.err(address, e));
    if (e.status() == 429 && gate().violated()) {
      LOG.debug("closing bridge socket {}: too many refused requests", serial);
      socket.close(1008, "policy violation: too many refused requests");
    }
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
