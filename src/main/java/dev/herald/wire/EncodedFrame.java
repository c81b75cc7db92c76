package dev.herald.wire;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * One bridge frame as it goes out to every local socket: the UTF-8 bytes (what a raw WebSocket
 * writes, taken straight from the cluster message) and the text (what SockJS transports need),
 * each produced at most once per node whatever the number of sockets.
 */
public final class EncodedFrame {

  private volatile byte[] utf8;
  private volatile String text;
  private volatile Wire wires;

  private EncodedFrame(byte[] utf8, String text) {
    this.utf8 = utf8;
    this.text = text;
  }

  public static EncodedFrame ofUtf8(byte[] utf8) {
    return new EncodedFrame(utf8, null);
  }

  public static EncodedFrame ofText(String text) {
    return new EncodedFrame(null, text);
  }

  /** The frame's bytes; callers must not modify them (they are shared by every socket). */
  public byte[] utf8() {
    byte[] b = utf8;
    if (b == null) {
      b = text.getBytes(StandardCharsets.UTF_8);
      utf8 = b;
    }
    return b;
  }

  /** Bytes on the wire, or the text's length when only the text was needed. */
  public int size() {
    byte[] b = utf8;
    return b != null ? b.length : text.length();
  }

  /**
   * The frame as one transport puts it on the wire (e.g. a complete WebSocket frame), made by
   * {@code encoder} at most about once per node and encoder: threads that race may each encode it,
   * and one result is kept. Encoders are told apart by identity, so pass the same instance (a
   * constant) every time.
   */
  @SuppressWarnings("unchecked")
  public <T> T wire(Function<EncodedFrame, T> encoder) {
    Wire head = wires;
    for (Wire w = head; w != null; w = w.next) {
      if (w.encoder == encoder) {
        return (T) w.bytes;
      }
    }
    T bytes = encoder.apply(this);
    wires = new Wire(encoder, bytes, head);
    return bytes;
  }

  /** One transport's encoding; a node has a couple of transports, so a short list beats a map. */
  private record Wire(Function<EncodedFrame, ?> encoder, Object bytes, Wire next) {
  }

  public String text() {
    String t = text;
    if (t == null) {
      t = new String(utf8, StandardCharsets.UTF_8);
      text = t;
    }
    return t;
  }
}
