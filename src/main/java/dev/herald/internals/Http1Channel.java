package dev.herald.internals;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Netty channel under a Vert.x HTTP/1 connection, for taking the connection over from Vert.x
 * (Herald's WebSockets): its pipeline must hold Netty's HTTP codec ahead of Vert.x's connection
 * handler, which Netty's WebSocket handshaker swaps for the WebSocket codec and the caller then
 * replaces, and no WebSocket extension handler (it would accept permessage-deflate in the handshake's
 * response, and Herald's frames are never compressed). The layout is checked before anything is
 * touched, so that a Vert.x upgrade that changed it is refused with one sentence rather than a
 * NullPointerException halfway through.
 */
public final class Http1Channel {

  private final ChannelHandlerContext vertxHandler;

  private Http1Channel(ChannelHandlerContext vertxHandler) {
    this.vertxHandler = vertxHandler;
  }

  /**
   * The channel of the connection, its layout checked.
   *
   * @throws IllegalStateException (one sentence: what was expected, what was found) when this Vert.x
   *     builds HTTP/1 connections differently
   */
  public static Http1Channel of(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      throw new IllegalStateException("Herald takes WebSockets over from Vert.x connections that are a "
          + ConnectionBase.class.getName() + ", but this Vert.x's HTTP/1 connection is a "
          + (connection == null ? "null" : connection.getClass().getName()) + "; see dev.herald.internals on Vert.x upgrades");
    }
    ChannelHandlerContext vertxHandler = base.channelHandlerContext();
    requireLayout(vertxHandler);
    return new Http1Channel(vertxHandler);
  }

  public Channel channel() {
    return vertxHandler.channel();
  }

  /**
   * Puts the handler in the place of Vert.x's connection handler: from then on the channel's events
   * go to it and Vert.x no longer sees the connection. Call on the channel's event loop.
   */
  public ChannelPipeline replaceConnectionHandler(String name, ChannelHandler handler) {
    return vertxHandler.pipeline().replace(vertxHandler.handler(), name, handler);
  }

  /**
   * Checks what Netty's WebSocket handshaker looks for: an HttpRequestDecoder with an
   * HttpResponseEncoder, or else an HttpServerCodec, ahead of the connection handler; and no
   * WebSocket extension handler there.
   */
  static void requireLayout(ChannelHandlerContext connectionHandler) {
    List<String> found = new ArrayList<>();
    boolean decoder = false;
    boolean encoder = false;
    boolean codec = false;
    boolean extensions = false;
    boolean reached = false;
    for (Map.Entry<String, ChannelHandler> entry : connectionHandler.pipeline()) {
      ChannelHandler handler = entry.getValue();
      found.add(entry.getKey() + ": " + handler.getClass().getSimpleName());
      if (handler == connectionHandler.handler()) {
        reached = true;
        break;
      }
      decoder |= handler instanceof HttpRequestDecoder;
      encoder |= handler instanceof HttpResponseEncoder;
      codec |= handler instanceof HttpServerCodec;
      extensions |= handler instanceof WebSocketServerExtensionHandler;
    }
    if (!reached || !(decoder ? encoder : codec) || extensions) {
      String vertxHandler = connectionHandler.handler().getClass().getSimpleName();
      throw new IllegalStateException("Herald's WebSocket takeover expects Netty's HttpRequestDecoder and HttpResponseEncoder"
          + " (or an HttpServerCodec) ahead of Vert.x's connection handler " + vertxHandler + " and no WebSocket compression"
          + " handler, but this Vert.x's HTTP/1 pipeline is " + found + "; see dev.herald.internals on Vert.x upgrades");
    }
  }
}
