import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Byte-level peeks into frames: the generator never parses a delivery as JSON (it must stay lean). */
final class Frames {

  private static final byte[] SENT_AT = "\"t\":".getBytes(StandardCharsets.US_ASCII);

  private Frames() {
  }

  /** The scheduled send time a delivery carries ({"t":nanos,...} in its data), or -1 if it has none. */
  static long sentAt(Buffer frame) {
    return number(frame, SENT_AT);
  }

  /** The integer right after the first occurrence of key (e.g. {@code "seq":}), or -1 if key is absent. */
  static long number(Buffer frame, byte[] key) {
    int i = indexOf(frame, key, 0);
    if (i < 0) {
      return -1;
    }
    long v = 0;
    boolean neg = false;
    int p = i + key.length;
    if (p < frame.length() && frame.getByte(p) == '-') {
      neg = true;
      p++;
    }
    for (; p < frame.length(); p++) {
      byte b = frame.getByte(p);
      if (b < '0' || b > '9') {
        break;
      }
      v = v * 10 + (b - '0');
    }
    return neg ? -v : v;
  }

  static boolean contains(Buffer frame, byte[] what) {
    return indexOf(frame, what, 0) >= 0;
  }

  static boolean startsWith(Buffer frame, byte[] what) {
    if (frame.length() < what.length) {
      return false;
    }
    for (int k = 0; k < what.length; k++) {
      if (frame.getByte(k) != what[k]) {
        return false;
      }
    }
    return true;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static int indexOf(Buffer frame, byte[] what, int from) {
    int last = frame.length() - what.length;
    outer:
    for (int i = from; i <= last; i++) {
      for (int k = 0; k < what.length; k++) {
        if (frame.getByte(i + k) != what[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * The one message of a SockJS {@code a["..."]} frame, unescaped enough for the byte searches here:
   * Herald's envelopes keep their keys and numbers ASCII, and only \" and \\ need undoing for them.
   */
  static Buffer unquoteSockJs(Buffer frame) {
    int end = frame.length() - 2; // before "]
    Buffer out = Buffer.buffer(end - 3);
    for (int i = 3; i < end; i++) { // after a["
      byte b = frame.getByte(i);
      if (b == '\\' && i + 1 < end) {
        byte next = frame.getByte(i + 1);
        if (next == '"' || next == '\\') {
          b = next;
          i++;
        }
      }
      out.appendByte(b);
    }
    return out;
  }

  /** A JSON string literal (channel names and room names here are plain ASCII). */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
