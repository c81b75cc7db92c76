package dev.herald.bridge;

import dev.herald.hub.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A delivery as a complete WebSocket TEXT frame (header and UTF-8 payload; a server's frames are
 * not masked), built once per node and written to each socket's channel as it is: no per-socket
 * frame objects, encoding or copy into a new frame. Only for sockets that negotiated no extension
 * (Herald's server accepts none; a socket with one would get its frames through Vert.x).
 */
final class WebSocketWire {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketWire.class);
  /** vertx-web hands out its own wrapper of the core socket; the channel is on the core one. */
  private static final Field WRAPPED = wrappedField();

  private WebSocketWire() {
  }

  /** The shared frame; write {@code duplicate()}s of it (own indexes, same bytes, never freed by a write). */
  static ByteBuf textFrame(EncodedFrame frame) {
    return frame.wire(WebSocketWire::encode);
  }

  private static ByteBuf encode(EncodedFrame frame) {
    byte[] payload = frame.utf8();
    int n = payload.length;
    int header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
    ByteBuf buf = Unpooled.buffer(header + n);
    buf.writeByte(0x81); // FIN, opcode 1 (text)
    if (n < 126) {
      buf.writeByte(n);
    } else if (n < 65_536) {
      buf.writeByte(126).writeShort(n);
    } else {
      buf.writeByte(127).writeLong(n);
    }
    buf.writeBytes(payload);
    return Unpooled.unreleasableBuffer(buf);
  }

  /**
   * The netty context to write raw frames to, or null when this socket must be written through
   * Vert.x (an extension such as permessage-deflate was negotiated, or the socket is of a kind
   * whose channel we cannot reach).
   */
  static ChannelHandlerContext channel(ServerWebSocket ws) {
    Object core = ws;
    try {
      if (!(core instanceof WebSocketInternal) && WRAPPED != null && WRAPPED.getDeclaringClass().isInstance(core)) {
        core = WRAPPED.get(core);
      }
    } catch (IllegalAccessException e) {
      return null;
    }
    if (!(core instanceof WebSocketInternal internal)) {
      return null;
    }
    ChannelHandlerContext ctx = internal.channelHandlerContext();
    // an extension negotiated at the handshake sits in the pipeline as an encoder of its own
    boolean extended = ctx.pipeline().toMap().values().stream().anyMatch(h -> h instanceof WebSocketExtensionEncoder);
    return extended ? null : ctx;
  }

  private static Field wrappedField() {
    try {
      Field f = Class.forName("io.vertx.ext.web.impl.ServerWebSocketWrapper").getDeclaredField("delegate");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info("raw WebSocket deliveries go through Vert.x's frame encoder ({})", e.toString());
      return null;
    }
  }
}
