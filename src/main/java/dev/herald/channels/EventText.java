package dev.herald.channels;

import dev.herald.core.HeraldException;
import dev.herald.core.UnicodeText;

/**
 * The text an event may carry, checked before anything reaches the journal, so that a bad publish is
 * a 400 naming its field rather than a statement PostgreSQL refuses. A {@code type} or {@code id} is
 * printable text: no control characters (PostgreSQL's text cannot hold U+0000, and the others break
 * logs and displays) and no unpaired surrogates (not Unicode at all: they would be stored as '?').
 * {@code data} may hold neither U+0000 nor an unpaired surrogate, escaped or not: the events
 * table would keep them, but jsonb, which aggregates store values and last events in, refuses both,
 * and one rule for every channel is easier to live with than one per namespace.
 */
final class EventText {

  private EventText() {
  }

  /** A type or id: printable characters only. */
  static String requirePrintable(String field, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        throw HeraldException.badRequest("invalid_event",
            field + " holds a control character (" + codePoint(c) + " at character " + i + "); use printable text");
      }
    }
    int unpaired = UnicodeText.unpairedSurrogateAt(value);
    if (unpaired >= 0) {
      throw unpaired(field, value.charAt(unpaired), unpaired);
    }
    return value;
  }

  /**
   * Data as valid JSON text (the parser has checked it), scanned once: escapes only occur inside
   * strings, so the scan needs no other JSON state. A surrogate half may come raw or as an escape.
   */
  static String requireStorableData(String json) {
    int pendingHigh = -1;
    char pendingChar = 0;
    for (int i = 0; i < json.length(); i++) {
      int at = i;
      char c = json.charAt(i);
      if (c == '\\') {
        if (json.charAt(++i) == 'u') {
          c = (char) Integer.parseInt(json, i + 1, i + 5, 16);
          i += 4;
          if (c == 0) {
            throw HeraldException.badRequest("invalid_event",
                "data holds \\u0000 (at character " + at + "), which Herald cannot store; leave it out or encode it");
          }
        } else {
          c = json.charAt(i); // a one-character escape such as \n or \": never a surrogate
        }
      }
      if (pendingHigh >= 0 && !Character.isLowSurrogate(c)) {
        throw unpaired("data", pendingChar, pendingHigh);
      }
      if (Character.isHighSurrogate(c) && pendingHigh < 0) {
        pendingHigh = at;
        pendingChar = c;
      } else if (Character.isLowSurrogate(c) && pendingHigh < 0) {
        throw unpaired("data", c, at);
      } else {
        pendingHigh = -1;
      }
    }
    if (pendingHigh >= 0) {
      throw unpaired("data", pendingChar, pendingHigh);
    }
    return json;
  }

  private static HeraldException unpaired(String field, char c, int at) {
    return HeraldException.badRequest("invalid_event",
        field + " holds an unpaired surrogate (" + codePoint(c) + " at character " + at + "); send valid Unicode");
  }

  private static String codePoint(char c) {
    return String.format("U+%04X", (int) c);
  }
}
