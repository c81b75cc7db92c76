package dev.herald.documents;

import java.util.Map;

/**
 * One row rule of a collection: {@code anyone}, {@code authenticated}, {@code nobody} (API keys
 * only: they may do anything) or CEL over {@code auth} and {@code doc}.
 */
final class DocRule {

  private final String keyword;
  private final DocCel.Compiled expression;

  private DocRule(String keyword, DocCel.Compiled expression) {
    this.keyword = keyword;
    this.expression = expression;
  }

  static DocRule parse(Object text, String where) {
    String source = text == null ? "nobody" : text.toString().trim();
    return switch (source) {
      case "anyone", "authenticated", "nobody" -> new DocRule(source, null);
      default -> {
        try {
          yield new DocRule(null, DocCel.compile(source));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": invalid CEL rule '" + source + "': " + e.getMessage(), e);
        }
      }
    };
  }

  /** Whether a user (never an API key: callers let those through) may act on the document. */
  boolean allows(Caller caller, Object celDoc) {
    if (keyword != null) {
      return switch (keyword) {
        case "anyone" -> true;
        case "authenticated" -> !caller.anonymous();
        default -> false;
      };
    }
    return expression.test(caller.auth(), celDoc);
  }

  /** A caller as rules and filters evaluate it; its claims converted once. */
  record Caller(boolean server, boolean anonymous, Map<String, Object> auth) {

    static Caller of(dev.herald.core.Identity who) {
      return new Caller(who.isServer(), who.isAnonymous(), DocCel.auth(who));
    }
  }
}
