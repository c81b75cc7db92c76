package dev.herald.bridge;

import dev.herald.core.Authenticator;
import dev.herald.core.Namespaces;
import dev.herald.core.Rest;
import dev.herald.hub.Hub;
import dev.herald.module.BridgeService;
import dev.herald.module.Module;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bridge as a node serves it: raw WebSocket at /eventbus/websocket, SockJS (all transports) at
 * /eventbus, and what every socket shares: the hub, token checks, the subscribe rules, the
 * modules' {@code herald.*} services and their socket listeners. It knows the protocol and a
 * socket's lifecycle, and no feature by name.
 */
public final class BridgeEndpoint {

  final Hub hub;
  final SocketCredentials credentials;
  final Namespaces namespaces;
  /** When the identities sockets hold expire: one sweep for the node. */
  final ExpirySweep expiry = new ExpirySweep();
  final int maxFrameBytes;
  final Map<String, BridgeService> services;
  final SocketListeners listener;

  public BridgeEndpoint(Hub hub, Authenticator auth, Namespaces namespaces, List<Module> modules, int maxFrameBytes) {
    this.hub = hub;
    this.credentials = new SocketCredentials(auth);
    this.namespaces = namespaces;
    this.maxFrameBytes = maxFrameBytes;
    Map<String, BridgeService> all = new HashMap<>();
    all.put(BridgeSocket.AUTH_ADDRESS, BridgeSocket.AUTH);
    for (Module m : modules) {
      m.bridgeServices().forEach((address, service) -> {
        if (all.putIfAbsent(address, service) != null) {
          throw new IllegalStateException("two modules answer bridge address " + address);
        }
      });
    }
    this.services = Map.copyOf(all);
    this.listener = new SocketListeners(modules.stream().map(Module::socketListener).toList());
  }

  /**
   * The largest WebSocket message taken from a client, on every transport: a few times the frame
   * limit, so that BridgeSocket sees an oversized frame and answers it with a 413 err frame
   * instead of the connection being dropped.
   */
  private int maxMessageBytes() {
    return 4 * maxFrameBytes;
  }

  public void mount(Router router, Vertx vertx) {
    expiry.start(vertx);
    // Herald runs WebSockets itself, on the connection's Netty channel (see WebSocketUpgrade):
    // deliveries are written from one pre-built frame per node, netty counts what a socket has not
    // flushed, and an idle socket keeps no Vert.x WebSocket objects. That is the raw endpoint and
    // SockJS's websocket transport, which browsers use; SockJS's HTTP fallbacks stay with Vert.x.
    Consumer<BridgeConnection> bridge = connection -> new BridgeSocket(connection, this).start();
    webSocket(router.get("/eventbus/websocket"), RawWebSocketConnection::new, bridge);
    webSocket(router.getWithRegex("/eventbus/[^/.]+/[^/.]+/websocket"), SockJsWebSocketConnection::new, bridge);

    // SockJS's HTTP fallbacks (xhr_send, xhr_streaming, xhr/jsonp polling) are POSTs whose body
    // Vert.x only reads through a BodyHandler; without it every xhr_send fails with a 500. An
    // xhr_send body is a JSON array of JSON-quoted frames, so it may be a few times a frame's size;
    // BridgeSocket itself answers a frame over maxFrameBytes with a 413 err frame.
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(4L * maxFrameBytes));
    // No per-socket event-bus handler: the hub writes to sockets directly.
    SockJSHandlerOptions options = new SockJSHandlerOptions().setRegisterWriteHandler(false);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(
        socket -> bridge.accept(new SockJsConnection(socket))));
  }

  private void webSocket(Route route, WebSocketUpgrade.Transport transport, Consumer<BridgeConnection> bridge) {
    route.handler(ctx -> WebSocketUpgrade.accept(ctx.request(), maxMessageBytes(), transport)
        .onSuccess(bridge::accept)
        .onFailure(err -> Rest.fail(ctx, err)));
  }
}
