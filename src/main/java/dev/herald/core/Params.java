package dev.herald.core;

/**
 * Numbers users give in query strings, bodies and bridge headers: JSON numbers or numeric strings
 * (Vert.x bridge headers are strings). Anything else is a 400 naming the parameter.
 */
public final class Params {

  private Params() {
  }

  /** A seq cursor: the last seq seen (0 when none, the default). */
  public static long since(Object value) {
    long since = wholeNumber(value, 0, "since");
    if (since < 0) {
      throw HeraldException.badRequest("invalid_since", "since must be a seq number >= 0");
    }
    return since;
  }

  /** A page size: 1 to {@code max}, or {@code fallback} when absent; a 400 {@code invalid_limit} otherwise. */
  public static int limit(Object value, int fallback, int max) {
    long limit = wholeNumber(value, fallback, "limit");
    if (limit < 1 || limit > max) {
      throw HeraldException.badRequest("invalid_limit", "limit must be between 1 and " + max);
    }
    return (int) limit;
  }

  /** A whole number, or {@code fallback} when absent; a 400 {@code invalid_<name>} otherwise. */
  public static long wholeNumber(Object value, long fallback, String name) {
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() == n.longValue()) {
      return n.longValue();
    }
    if (value instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw HeraldException.badRequest("invalid_" + name, name + " must be a whole number");
  }
}
