package dev.herald.bridge;

import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.Rest;
import dev.herald.aggregate.AggregationVerticle;
import dev.herald.hub.Hub;
import dev.herald.presence.PresenceTracker;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.function.Consumer;

/** Mounts the bridge: raw WebSocket at /eventbus/websocket, SockJS (all transports) at /eventbus. */
public final class BridgeEndpoint {

  private BridgeEndpoint() {
  }

  /**
   * The largest WebSocket message taken from a client, on every transport: a few times the frame
   * limit, so that BridgeSocket sees an oversized frame and answers it with a 413 err frame
   * instead of the connection being dropped.
   */
  private static int maxMessageBytes(int maxFrameBytes) {
    return 4 * maxFrameBytes;
  }

  public static void mount(Router router, Vertx vertx, Hub hub, PresenceTracker presence, AggregationVerticle aggregation,
      Channels channels, Authenticator auth, int maxFrameBytes) {
    // Herald runs WebSockets itself, on the connection's Netty channel (see WebSocketUpgrade):
    // deliveries are written from one pre-built frame per node, netty counts what a socket has not
    // flushed, and an idle socket keeps no Vert.x WebSocket objects. That is the raw endpoint and
    // SockJS's websocket transport, which browsers use; SockJS's HTTP fallbacks stay with Vert.x.
    Consumer<BridgeConnection> bridge = connection ->
        new BridgeSocket(connection, hub, presence, aggregation, channels, auth, maxFrameBytes).start();
    int maxMessageBytes = maxMessageBytes(maxFrameBytes);
    webSocket(router.get("/eventbus/websocket"), RawWebSocketConnection::new, maxMessageBytes, bridge);
    webSocket(router.getWithRegex("/eventbus/[^/.]+/[^/.]+/websocket"), SockJsWebSocketConnection::new, maxMessageBytes, bridge);

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

  private static void webSocket(Route route, WebSocketUpgrade.Transport transport, int maxMessageBytes,
      Consumer<BridgeConnection> bridge) {
    route.handler(ctx -> WebSocketUpgrade.accept(ctx.request(), maxMessageBytes, transport)
        .onSuccess(bridge::accept)
        .onFailure(err -> Rest.fail(ctx, err)));
  }
}
