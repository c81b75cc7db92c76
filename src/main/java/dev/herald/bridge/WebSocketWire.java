package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * A delivery as a complete WebSocket TEXT frame (header and UTF-8 payload; a server's frames are
 * not masked), built once per node and transport and written to each socket's channel as it is: no
 * per-socket frame objects, encoding or copy into a new frame. Herald's WebSockets negotiate no
 * extension ({@link WebSocketUpgrade}), so the frame needs no per-socket transformation either.
 */
final class WebSocketWire {

  /** The bridge frame as the raw endpoint sends it: the message is the payload. */
  private static final Function<EncodedFrame, ByteBuf> RAW = frame -> textFrame(frame.utf8());
  /** The bridge frame as SockJS's websocket transport sends it: {@code a["<message, quoted>"]}. */
  private static final Function<EncodedFrame, ByteBuf> SOCKJS =
      frame -> textFrame(SockJsFraming.messageFrame(frame.text()).getBytes(StandardCharsets.US_ASCII));

  private WebSocketWire() {
  }

  /** The shared raw frame; write {@code duplicate()}s of it (own indexes, same bytes, never freed by a write). */
  static ByteBuf rawFrame(EncodedFrame frame) {
    return frame.wire(RAW);
  }

  /** The shared SockJS frame, to be written like {@link #rawFrame}. */
  static ByteBuf sockJsFrame(EncodedFrame frame) {
    return frame.wire(SOCKJS);
  }

  private static ByteBuf textFrame(byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
    // direct memory, so the epoll transport writes it as it is instead of copying it for every socket;
    // a JDK buffer, so the garbage collector frees it once no socket holds a duplicate any more
    ByteBuf buf = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(header + n)).clear();
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
}
