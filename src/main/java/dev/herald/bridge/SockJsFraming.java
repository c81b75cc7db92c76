package dev.herald.bridge;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/**
 * SockJS's framing on its websocket transport: the server opens with {@code o}, beats with
 * {@code h}, carries messages as {@code a[...]} (a JSON array of strings) and says goodbye with
 * {@code c[code,"reason"]}; the client sends a JSON array of strings, or one JSON string.
 */
final class SockJsFraming {

  static final String OPEN = "o";
  static final String HEARTBEAT = "h";
  /** SockJS's close frame: the status a session ends with, which sockjs-client reports as the close's code and reason. */
  static String closeFrame(int code, String reason) {
    return "c[" + code + "," + Json.encode(reason) + "]";
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SockJsFraming() {
  }

  /**
   * One message as an {@code a[...]} frame. Everything outside printable ASCII is \\u-escaped:
   * SockJS asks servers to escape characters some browsers mangle, and escaping all of them keeps
   * the frame ASCII.
   */
  static String messageFrame(String message) {
    StringBuilder out = new StringBuilder(message.length() + 16).append("a[\"");
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      } else {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
      }
    }
    return out.append("\"]").toString();
  }

  /** The messages of a frame from the client (none for an empty frame); null when it is not SockJS framing. */
  static List<String> decode(String frame) {
    if (frame.isEmpty()) {
      return List.of();
    }
    Object value;
    try {
      value = Json.decodeValue(frame);
    } catch (DecodeException e) {
      return null;
    }
    if (value instanceof String message) {
      return List.of(message);
    }
    if (!(value instanceof JsonArray array)) {
      return null;
    }
    List<String> messages = new ArrayList<>(array.size());
    for (Object element : array) {
      if (!(element instanceof String message)) {
        return null;
      }
      messages.add(message);
    }
    return messages;
  }
}
