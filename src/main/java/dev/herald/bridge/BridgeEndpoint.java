package dev.herald.bridge;

import dev.herald.core.Authenticator;
import dev.herald.core.Drain;
import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import dev.herald.core.RateLimiter;
import dev.herald.core.Rest;
import dev.herald.core.UserBuckets;
import dev.herald.hub.Hub;
import dev.herald.module.BridgeService;
import dev.herald.module.Module;
import dev.herald.module.SocketListener;
import dev.herald.module.SubscriptionSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * The bridge as a node serves it: raw WebSocket at /eventbus/websocket, SockJS (all transports) at
 * /eventbus, and what every socket shares: the hub, token checks, the subscribe rules, the
 * modules' {@code herald.*} services and their socket listeners, and the abuse limits (node-local:
 * nothing of them is counted across nodes). It knows the protocol and a socket's lifecycle, and no
 * feature by name.
 */
public final class BridgeEndpoint {

  final Hub hub;
  final SocketCredentials credentials;
  final Namespaces namespaces;
  /** Every socket open on this node: to tell them all to go when it drains, and counted by transport for /metrics. */
  private final Set<BridgeSocket> open = ConcurrentHashMap.newKeySet();
  /** Requests in flight count against the node's drain. */
  final Drain drain;
  /** Requests and registers refused with a 429, for /metrics. */
  final Counter rateLimited;
  /** When the identities sockets hold expire: one sweep for the node. */
  final ExpirySweep expiry = new ExpirySweep();
  final int maxFrameBytes;
  final Map<String, BridgeService> services;
  final SocketListeners listener;
  /** The modules' own subscriptions, by address prefix. */
  private final Map<String, SubscriptionSource> sources;
  final BridgeLimits limits;
  /** Frames per user over its sockets on this node; null when not limited. */
  final UserBuckets framesByUser;
  private final ConnectionCaps caps;

  public BridgeEndpoint(Hub hub, Authenticator auth, Namespaces namespaces, List<Module> modules, HeraldConfig config,
      Drain drain, MeterRegistry registry) {
    this.hub = hub;
    this.drain = drain;
    for (String transport : List.of("websocket", "sockjs-websocket", "sockjs-http")) {
      Gauge.builder("herald.connections", open, sockets -> sockets.stream().filter(s -> s.transport().equals(transport)).count())
          .description("Bridge sockets open on this node").tag("transport", transport).register(registry);
    }
    this.rateLimited = RateLimiter.refusals(registry, "bridge");
    this.credentials = new SocketCredentials(auth);
    this.namespaces = namespaces;
    this.maxFrameBytes = config.maxBodyBytes();
    this.limits = BridgeLimits.from(config.limits());
    this.framesByUser = limits.framesPerUser() == null ? null : new UserBuckets(limits.framesPerUser());
    this.caps = new ConnectionCaps(limits.socketsPerIp(), limits.socketsPerUser());
    Map<String, BridgeService> all = new HashMap<>();
    all.put(BridgeSocket.AUTH_ADDRESS, BridgeSocket.AUTH);
    all.put(BridgeSocket.PING_ADDRESS, BridgeSocket.PING);
    for (Module m : modules) {
      m.bridgeServices().forEach((address, service) -> {
        if (all.putIfAbsent(address, service) != null) {
          throw new IllegalStateException("two modules answer bridge address " + address);
        }
      });
    }
    this.services = Map.copyOf(all);
    Map<String, SubscriptionSource> bySource = new HashMap<>();
    for (Module m : modules) {
      m.subscriptionSources().forEach((prefix, source) -> {
        if (bySource.putIfAbsent(prefix, source) != null) {
          throw new IllegalStateException("two modules serve subscriptions at " + prefix);
        }
      });
    }
    this.sources = Map.copyOf(bySource);
    // the caps first: a socket over them is refused before the modules spend anything on it
    this.listener = new SocketListeners(Stream.concat(Stream.of((SocketListener) caps),
        modules.stream().map(Module::socketListener)).toList());
  }

  /** The module that serves subscriptions to the address itself, or null for a channel. */
  SubscriptionSource sourceOf(String address) {
    for (Map.Entry<String, SubscriptionSource> s : sources.entrySet()) {
      if (address.startsWith(s.getKey())) {
        return s.getValue();
      }
    }
    return null;
  }

  /** Ends a socket's subscription to a channel or to a module's address. */
  void unsubscribe(BridgeSocket socket, String address) {
    SubscriptionSource source = sourceOf(address);
    if (source != null) {
      source.unsubscribe(socket, address);
    } else {
      hub.unsubscribe(socket, address);
    }
  }

  /**
   * Whether {@code who} may hold the subscription: the namespace rule for a channel; a module's own
   * subscription stays (its module applies its rules to what it sends, see SubscriptionSource).
   */
  void checkSubscribe(Identity who, String address) {
    if (sourceOf(address) == null) {
      namespaces.checkSubscribe(who, address);
    }
  }

  /**
   * The largest WebSocket message taken from a client, on every transport: a few times the frame
   * limit, so that BridgeSocket sees an oversized frame and answers it with a 413 err frame
   * instead of the connection being dropped.
   */
  private int maxMessageBytes() {
    return 4 * maxFrameBytes;
  }

  /**
   * The node drains: every socket is told to reconnect now, to another node (close 1012, service
   * restart, which Herald's SDK takes as "reconnect at once").
   */
  public void closeAll() {
    open.forEach(BridgeSocket::restart);
  }

  /** The socket closed. */
  void closed(BridgeSocket socket) {
    open.remove(socket);
  }

  public void mount(Router router, Vertx vertx) {
    expiry.start(vertx);
    // Herald runs WebSockets itself, on the connection's Netty channel (see WebSocketUpgrade):
    // deliveries are written from one pre-built frame per node, netty counts what a socket has not
    // flushed, and an idle socket keeps no Vert.x WebSocket objects. That is the raw endpoint and
    // SockJS's websocket transport, which browsers use; SockJS's HTTP fallbacks stay with Vert.x.
    BiConsumer<BridgeConnection, String> bridge = (connection, ip) -> {
      BridgeSocket socket = new BridgeSocket(connection, this);
      caps.opened(socket, ip);
      open.add(socket);
      socket.start();
    };
    webSocket(router.get("/eventbus/websocket"),
        (uri, context) -> new RawWebSocketConnection(uri, context, limits.slowSocketGrace()), bridge);
    webSocket(router.getWithRegex("/eventbus/[^/.]+/[^/.]+/websocket"),
        (uri, context) -> new SockJsWebSocketConnection(uri, context, limits.slowSocketGrace()), bridge);

    // SockJS's HTTP fallbacks (xhr_send, xhr_streaming, xhr/jsonp polling) are POSTs whose body
    // Vert.x only reads through a BodyHandler; without it every xhr_send fails with a 500. An
    // xhr_send body is a JSON array of JSON-quoted frames, so it may be a few times a frame's size;
    // BridgeSocket itself answers a frame over maxFrameBytes with a 413 err frame.
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(4L * maxFrameBytes));
    // No per-socket event-bus handler: the hub writes to sockets directly.
    SockJSHandlerOptions options = new SockJSHandlerOptions().setRegisterWriteHandler(false);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(socket -> {
      String ip = ip(socket.remoteAddress());
      try {
        caps.admit(ip);
      } catch (HeraldException overCap) {
        socket.close(1008, "too_many_connections");
        return;
      }
      bridge.accept(new SockJsConnection(socket), ip);
    }));
  }

  private void webSocket(Route route, WebSocketUpgrade.Transport transport, BiConsumer<BridgeConnection, String> bridge) {
    route.handler(ctx -> {
      String ip = ip(ctx.request().remoteAddress());
      try {
        caps.admit(ip);
      } catch (HeraldException overCap) {
        Rest.fail(ctx, overCap);
        return;
      }
      WebSocketUpgrade.accept(ctx.request(), maxMessageBytes(), transport)
          .onSuccess(connection -> bridge.accept(connection, ip))
          .onFailure(err -> {
            caps.release(ip);
            Rest.fail(ctx, err);
          });
    });
  }

  private static String ip(SocketAddress address) {
    return address == null ? "unknown" : address.hostAddress();
  }
}
