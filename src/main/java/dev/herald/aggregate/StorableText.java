package dev.herald.aggregate;

import dev.herald.core.UnicodeText;
import java.nio.charset.StandardCharsets;

/**
 * Text PostgreSQL can take where aggregates put it. text and jsonb refuse U+0000, jsonb refuses an
 * escaped unpaired surrogate (and UTF-8 cannot carry one), and a B-tree entry holds about 2.7 KB:
 * a group name and a distinctCount value are both in aggregate_distinct's key, so each gets
 * {@link #MAX_KEY_BYTES}, leaving room for the aggregate's and the field's names.
 */
final class StorableText {

  static final int MAX_KEY_BYTES = 1024;

  private StorableText() {
  }

  /** What keeps the text out of PostgreSQL, as the end of a sentence naming it; null when it can be stored. */
  static String problem(String s) {
    if (s.indexOf('\u0000') >= 0) {
      return "holds U+0000";
    }
    return UnicodeText.unpairedSurrogateAt(s) >= 0 ? "holds an unpaired surrogate (not valid Unicode)" : null;
  }

  /** {@link #problem}, or that the text is too long to be a key. */
  static String keyProblem(String s) {
    String problem = problem(s);
    if (problem == null && s.length() > MAX_KEY_BYTES / 3 && s.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      return "is longer than " + MAX_KEY_BYTES + " bytes";
    }
    return problem;
  }
}
