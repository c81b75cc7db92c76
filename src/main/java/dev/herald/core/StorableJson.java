package dev.herald.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Client JSON checked for what PostgreSQL's jsonb and text columns cannot hold (U+0000, unpaired
 * surrogates, in any string or key) and for absurd nesting, before anything is stored: one bad
 * value is a 400 for its sender, never a failed statement for the others it commits with.
 */
public final class StorableJson {

  public static final int MAX_DEPTH = 32;

  private StorableJson() {
  }

  /** Throws a 400 with {@code code} naming where (e.g. "the document", "data") the value holds what cannot be stored. */
  public static void require(Object value, String where, String code) {
    require(value, where, code, 0);
  }

  /** The text, or a 400 with {@code code} when it holds U+0000 or an unpaired surrogate. */
  public static String requireText(String s, String where, String code) {
    if (s.indexOf('\u0000') >= 0) {
      throw HeraldException.badRequest(code, where + " holds U+0000, which Herald cannot store");
    }
    if (UnicodeText.unpairedSurrogateAt(s) >= 0) {
      throw HeraldException.badRequest(code, where + " holds an unpaired UTF-16 surrogate (not Unicode text)");
    }
    return s;
  }

  private static void require(Object value, String where, String code, int depth) {
    if (depth > MAX_DEPTH) {
      throw HeraldException.badRequest(code, where + " nests more than " + MAX_DEPTH + " levels deep");
    }
    if (value instanceof String s) {
      requireText(s, where, code);
    } else if (value instanceof JsonObject o) {
      require(o.getMap(), where, code, depth);
    } else if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = (String) e.getKey();
        requireText(key, "a key in " + where, code);
        require(e.getValue(), "field " + shown(key) + " of " + where, code, depth + 1);
      }
    } else if (value instanceof JsonArray a) {
      require(a.getList(), where, code, depth);
    } else if (value instanceof Iterable<?> list) {
      for (Object v : list) {
        require(v, where, code, depth + 1);
      }
    }
  }

  /** A key as an error message may show it: short, printable ASCII. */
  public static String shown(String key) {
    return "\"" + UnicodeText.printable(key, 40) + "\"";
  }
}
