package dev.herald.bridge;

import dev.herald.wire.Frames;
import dev.herald.aggregate.AggregationVerticle;
import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.RateLimiter;
import dev.herald.wire.EncodedFrame;
import dev.herald.hub.Hub;
import dev.herald.hub.Subscriber;
import dev.herald.presence.PresenceTracker;
import dev.herald.internals.EventLoopContexts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser connection (SockJS or raw WebSocket) speaking the Vert.x event-bus bridge protocol: {@code register} a channel
 * (optionally with {@code headers.since}), {@code unregister}, and {@code send} to Herald's services.
 * Every problem is answered with an {@code err} frame; the socket stays open.
 *
 * <p>A node holds tens of thousands of these, most of them idle, so a socket keeps only what it
 * uses: the service table is shared, rate limiters appear with the first frame they limit, and
 * the subscription map starts at the size of one subscription.
 */
public final class BridgeSocket implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeSocket.class);
  /** Each socket may hold this many subscriptions; more is almost surely a client bug. */
  static final int MAX_SUBSCRIPTIONS = 500;
  /** Presence info given on register (headers.info) may be this large, encoded. */
  static final int MAX_INFO_BYTES = 1024;

  /** Services a socket may send to, shared by every socket: name -> (socket, request) -> reply. */
  private static final Map<String, BiFunction<BridgeSocket, Request, Future<?>>> SERVICES = Map.of(
      "herald.publish", BridgeSocket::publish,
      "herald.history", BridgeSocket::history,
      "herald.auth", BridgeSocket::authenticate,
      "herald.presence", BridgeSocket::presenceSnapshot,
      "herald.typing", BridgeSocket::typing);
  private static final Future<Identity> ANONYMOUS = Future.succeededFuture(Identity.ANONYMOUS);
  /** Source of node-local socket ids (presence tracks sockets by id; only this node sees them). */
  private static final AtomicLong SERIALS = new AtomicLong();

  private final BridgeConnection socket;
  /**
   * The context of the event loop that owns the connection (the handshake ran on it); the hub
   * writes from it. Not the handshake's own context: Vert.x gives every HTTP request a duplicate
   * of its loop's context, and the hub groups sockets by context, one task per group.
   */
  private final Context context = EventLoopContexts.current();
  private final long serial = SERIALS.incrementAndGet();
  private final Hub hub;
  private final PresenceTracker presence;
  private final AggregationVerticle aggregation;
  private final Channels channels;
  private final Authenticator auth;
  private final int maxFrameBytes;
  /**
   * Channel -> the register frame in force for it. Presence joins and leaves are decided under this
   * map's lock, so they reach the tracker in the order the frames came (see {@link #register}).
   * Sized for one subscription, the common case; it grows as needed.
   */
  private final Map<String, Object> subscribed = new ConcurrentHashMap<>(1);
  private final Backlog backlog;
  // floods of joins/leaves or typing frames cost every node work: a socket gets a fair share
  // (created on the first such frame: most sockets never send one)
  private RateLimiter presenceChanges;
  private RateLimiter typingFrames;
  private volatile Future<Identity> identity;
  private volatile boolean closed;

  /** A send frame being served: its body and the identity it acts for. */
  record Request(JsonObject body, Identity who) {
  }

  BridgeSocket(BridgeConnection socket, Hub hub, PresenceTracker presence, AggregationVerticle aggregation,
      Channels channels, Authenticator auth, int maxFrameBytes) {
    this.socket = socket;
    this.hub = hub;
    this.presence = presence;
    this.aggregation = aggregation;
    this.channels = channels;
    this.auth = auth;
    this.maxFrameBytes = maxFrameBytes;
    this.backlog = new Backlog(socket);
  }

  /** This socket's id for the presence tracker. */
  private String id() {
    return Long.toString(serial);
  }

  public void start() {
    String token = queryParam(socket.uri(), "token");
    identity = token == null ? ANONYMOUS : auth.verifyToken(token);
    identity.onSuccess(this::goOnline).onFailure(err -> sendErr(null, HeraldException.from(err)));
    socket.frameHandler(this::onFrame);
    socket.drainHandler(v -> backlog.check());
    socket.closeHandler(v -> {
      synchronized (subscribed) {
        closed = true;
        hub.unsubscribe(this, List.copyOf(subscribed.keySet()));
        presence.leaveAll(id());
      }
    });
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
      register(addr, headers, frame.getValue("replyAddress"));
    } else if ("unregister".equals(type)) {
      synchronized (subscribed) {
        if (subscribed.remove(addr) != null) {
          hub.unsubscribe(this, addr);
          presence.leave(id(), addr);
        }
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
    identityFor(headers).compose(who -> {
      channels.checkSubscribe(who, channel);
      Namespace ns = channels.namespace(channel);
      JsonObject info = ns.presence() ? presenceInfo(who, headers) : null;
      if (ns.presence() || ns.viewers()) {
        if (presenceChanges == null) {
          presenceChanges = new RateLimiter(30, 10);
        }
        presenceChanges.take("presence joins");
      }
      Long since = headers.containsKey("since") ? Channels.parseSince(headers.getValue("since")) : null;
      if (!subscribed.containsKey(channel) && subscribed.size() >= MAX_SUBSCRIPTIONS) {
        throw new HeraldException(429, "too_many_subscriptions", "a socket may hold at most " + MAX_SUBSCRIPTIONS + " subscriptions");
      }
      Object registration = new Object();
      subscribed.put(channel, registration);
      return hub.subscribe(this, channel, since).map(v -> {
        // The subscription completes later (a new feed waits for its cluster consumer and the
        // journal head). If the socket closed, unregistered or registered again meanwhile, that
        // frame's leave has already gone to the tracker: joining now would leave a ghost member.
        synchronized (subscribed) {
          if (closed) {
            hub.unsubscribe(this, channel); // the socket went away while the subscription was being set up
          } else if (subscribed.get(channel) == registration) {
            if (ns.presence() || ns.viewers()) {
              presence.join(id(), channel, who.subject(), info, ns.presence(), ns.viewers());
            }
            aggregation.subscribed(channel);
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
    BiFunction<BridgeSocket, Request, Future<?>> service = SERVICES.get(address);
    if (service == null) {
      sendErr(answerTo, HeraldException.notFound("no service at " + address
          + "; services are " + String.join(", ", new TreeSet<>(SERVICES.keySet()))));
      return;
    }
    Object body = frame.getValue("body");
    if (!(body instanceof JsonObject json)) {
      sendErr(answerTo, HeraldException.badRequest("invalid_body", address + " takes a JSON object body"));
      return;
    }
    identityFor(headers)
        .compose(who -> service.apply(this, new Request(json, who)))
        .onSuccess(reply -> {
          if (replyAddress instanceof String r) {
            socket.write(Frames.rec(r, reply));
          }
        })
        .onFailure(err -> sendErr(answerTo, logged(err)));
  }

  private Future<JsonObject> publish(Request req) {
    return channels.publish(req.who(), List.of(Channels.parseEvent(req.body(), null)))
        .map(results -> new JsonObject(Frames.receipt(results.get(0).event())));
  }

  private Future<JsonObject> history(Request req) {
    String channel = ChannelName.require(req.body().getString("channel"));
    return channels.history(req.who(), channel, Channels.parseSince(req.body().getValue("since")),
            Channels.parseLimit(req.body().getValue("limit")))
        .map(page -> {
          JsonArray events = new JsonArray();
          page.events().forEach(e -> events.add(new JsonObject(Frames.envelope(e))));
          return new JsonObject().put("events", events).put("lastSeq", page.lastSeq());
        });
  }

  /** herald.auth {token}: replaces the socket's identity (token refresh before expiry). */
  private Future<JsonObject> authenticate(Request req) {
    Object token = req.body().getValue("token");
    Future<Identity> verified = auth.verifyToken(token instanceof String t ? t : null);
    return verified.map(who -> {
      Identity previous = identity.result();
      identity = verified;
      if (previous == null || !Objects.equals(previous.subject(), who.subject())) {
        presence.leave(id(), PresenceTracker.ONLINE_CHANNEL);
        goOnline(who);
      }
      return new JsonObject().put("ok", true).put("sub", who.subject());
    });
  }

  /** herald.presence {channel}: who is here, for those who may subscribe to the channel. */
  private Future<JsonObject> presenceSnapshot(Request req) {
    String channel = ChannelName.require(req.body().getString("channel"));
    channels.checkSubscribe(req.who(), channel);
    channels.namespace(channel).requirePresence(channel);
    return presence.snapshot(channel);
  }

  /** herald.typing {channel, typing}: typing.start / typing.stop to the channel's subscribers. */
  private Future<JsonObject> typing(Request req) {
    String channel = ChannelName.require(req.body().getString("channel"));
    Object on = req.body().getValue("typing", true);
    if (!(on instanceof Boolean)) {
      throw HeraldException.badRequest("invalid_body", "typing must be true or false");
    }
    if (req.who().subject() == null) {
      throw HeraldException.unauthorized("typing needs a user token");
    }
    channels.checkSubscribe(req.who(), channel);
    channels.namespace(channel).requireTyping(channel);
    if (typingFrames == null) {
      typingFrames = new RateLimiter(10, 2);
    }
    typingFrames.take("typing frames");
    return presence.typing(id(), channel, req.who().subject(), (Boolean) on).map(v -> new JsonObject().put("ok", true));
  }

  /** Every socket of a token holder is a member of presence:users while it is open. */
  private void goOnline(Identity who) {
    synchronized (subscribed) { // never after the close handler's leaveAll
      if (who.subject() != null && !closed) {
        presence.join(id(), PresenceTracker.ONLINE_CHANNEL, who.subject(), claimInfo(who), true, false);
      }
    }
  }

  /** headers.info (a small JSON object) if given, else what the token says about its user. */
  private static JsonObject presenceInfo(Identity who, JsonObject headers) {
    Object given = headers.getValue("info");
    if (given == null) {
      return claimInfo(who);
    }
    if (!(given instanceof JsonObject info)) {
      throw HeraldException.badRequest("invalid_info", "headers.info must be a JSON object");
    }
    if (info.encode().length() > MAX_INFO_BYTES) {
      throw HeraldException.tooLarge("headers.info is over " + MAX_INFO_BYTES + " bytes");
    }
    return info;
  }

  private static JsonObject claimInfo(Identity who) {
    JsonObject claims = who.claims();
    if (claims.getValue("info") instanceof JsonObject info) {
      return info;
    }
    return claims.getValue("name") instanceof String name ? new JsonObject().put("name", name) : new JsonObject();
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
