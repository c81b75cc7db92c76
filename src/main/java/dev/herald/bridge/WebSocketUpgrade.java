package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.internals.EventLoopContexts;
import dev.herald.internals.Http1Channel;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Turns an upgrade request into a WebSocket that Herald runs on the connection's Netty channel
 * itself: Netty's handshaker answers the request and swaps the HTTP codec for the WebSocket one, as
 * Vert.x's own upgrade does, and a {@link WebSocketConnection} then takes the place of Vert.x's
 * connection handler. A Vert.x WebSocket would keep, per idle socket, an outbound queue of ~4.7 KB
 * (Vert.x 5.0.10 gives every WebSocket connection a multi-producer queue) and the upgrade request
 * (~1.5 KB); this keeps the channel and one small handler.
 *
 * <p>Relies on Vert.x internals, all behind {@link Http1Channel}: the HTTP connection's Netty channel
 * and its pipeline (an {@code HttpRequestDecoder} and {@code HttpResponseEncoder} ahead of the
 * connection's handler, checked at start-up and on every takeover). It also needs an HTTP server
 * without WebSocket compression (with it, Vert.x's pipeline would accept permessage-deflate in the
 * upgrade response). Re-check on Vert.x upgrades; the bridge tests cover it.
 */
final class WebSocketUpgrade {

  private static final String AGGREGATOR = "wsaggregator";

  /** How bridge frames travel on the socket: makes the connection that runs it. */
  interface Transport {
    WebSocketConnection open(String uri, Context context);
  }

  private WebSocketUpgrade() {
  }

  /**
   * The socket, once the handshake is answered; or a failure to answer with (400 for a request that
   * is no WebSocket upgrade, 426 for a WebSocket version other than RFC 6455's) and nothing written.
   * A frame over {@code maxMessageBytes} closes the socket (status 1009); a message in fragments
   * over it is dropped, as Vert.x's WebSocket dropped it.
   */
  static Future<BridgeConnection> accept(HttpServerRequest request, int maxMessageBytes, Transport transport) {
    // The whole request must have gone through Vert.x's HTTP decoder first: after it, the bytes on
    // the wire are WebSocket frames.
    return request.end().compose(v -> takeOver(request, maxMessageBytes, transport));
  }

  private static Future<BridgeConnection> takeOver(HttpServerRequest request, int maxMessageBytes, Transport transport) {
    FullHttpRequest handshake = nettyRequest(request);
    // an HTTP/2 stream cannot be upgraded (nor its shared connection taken over)
    if (request.version() != io.vertx.core.http.HttpVersion.HTTP_1_1
        || !handshake.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
      return Future.failedFuture(notAnUpgrade(request, null));
    }
    WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageBytes)
        .allowExtensions(false) // no permessage-deflate: see WebSocketWire
        .closeOnProtocolViolation(false) // WebSocketConnection closes, with the status the decoder found
        .build();
    // the URL is only sent back by hixie-76, refused below
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(null, null, decoder).newHandshaker(handshake);
    if (handshaker == null || handshaker.version() == WebSocketVersion.V00) {
      // hixie-76 frames differently from RFC 6455, whose frames are what WebSocketWire builds
      request.response().putHeader(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WebSocketVersion.V13.toHttpHeaderValue());
      return Future.failedFuture(new HeraldException(426, "upgrade_required", request.path() + " speaks WebSocket version 13"));
    }
    Http1Channel connection;
    try {
      connection = Http1Channel.of(request.connection());
    } catch (IllegalStateException vertxChanged) { // nothing touched yet: the request is answered with a 500
      return Future.failedFuture(vertxChanged);
    }
    Channel channel = connection.channel();
    Context context = EventLoopContexts.current();
    if (!context.isEventLoopContext() || !channel.eventLoop().inEventLoop()) {
      // the socket's Vert.x context must be the channel's loop: the hub writes to sockets from it
      return Future.failedFuture(new IllegalStateException(request.path() + " must be served by an event-loop verticle"));
    }
    try {
      handshaker.handshake(channel, handshake, null, channel.newPromise()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    } catch (WebSocketHandshakeException e) { // thrown before the pipeline is touched or anything written
      return Future.failedFuture(notAnUpgrade(request, e));
    }
    WebSocketConnection socket = transport.open(request.uri(), context);
    connection.replaceConnectionHandler(AGGREGATOR, new WebSocketFrameAggregator(maxMessageBytes))
        .addAfter(AGGREGATOR, "bridge", socket);
    return Future.succeededFuture(socket);
  }

  /** The request as Netty's handshaker takes it (a copy of its line and headers; it has no body). */
  private static FullHttpRequest nettyRequest(HttpServerRequest request) {
    DefaultHttpHeaders headers = new DefaultHttpHeaders();
    request.headers().forEach(header -> headers.add(header.getKey(), header.getValue()));
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, request.uri(), Unpooled.EMPTY_BUFFER,
        headers, EmptyHttpHeaders.INSTANCE);
  }

  private static HeraldException notAnUpgrade(HttpServerRequest request, WebSocketHandshakeException cause) {
    return HeraldException.badRequest("bad_request", request.path() + " expects a WebSocket upgrade"
        + (cause == null ? "" : " (" + cause.getMessage() + ")"));
  }
}
