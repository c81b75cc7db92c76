package dev.herald.documents;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A list or live-query filter: CEL over {@code doc} and {@code auth}, compiled once per distinct
 * text ({@link Filters}). Its top-level equality conditions ({@code doc.customerId == "x"},
 * {@code doc.owner == auth.sub}) let a live query be indexed by the value it needs, and a list read
 * only the rows holding it.
 */
final class DocFilter {

  static final int MAX_LENGTH = 2000;
  static final DocFilter ALL = new DocFilter("", null, List.of());

  /** {@code doc.field == value}: value a constant, or a claim path read when the query starts. */
  record Equality(String field, Object constant, String claim) {
  }

  /** An equality with its value known: the field, the value as in JSON and its index key. */
  record Bound(String field, Object value, String key) {
  }

  private final String text;
  private final DocCel.Compiled compiled;
  private final List<Equality> equalities;

  private DocFilter(String text, DocCel.Compiled compiled, List<Equality> equalities) {
    this.text = text;
    this.compiled = compiled;
    this.equalities = equalities;
  }

  static DocFilter parse(String text) {
    if (text == null || text.isBlank()) {
      return ALL;
    }
    if (text.length() > MAX_LENGTH) {
      throw HeraldException.badRequest("invalid_filter", "a filter is at most " + MAX_LENGTH + " characters");
    }
    DocCel.Compiled compiled;
    try {
      compiled = DocCel.compile(text);
    } catch (IllegalArgumentException e) {
      throw HeraldException.badRequest("invalid_filter", "filter is not a CEL expression over doc and auth that gives a bool: "
          + e.getMessage());
    }
    List<Equality> found = new ArrayList<>();
    collect(compiled.ast().getExpr(), found);
    return new DocFilter(text, compiled, List.copyOf(found));
  }

  String text() {
    return text;
  }

  boolean test(Map<String, Object> auth, Object celDoc) {
    return compiled == null || compiled.test(auth, celDoc);
  }

  /** The first equality whose value is known for this caller, or null (the query is checked on every change). */
  Bound indexFor(Map<String, Object> auth) {
    for (Equality e : equalities) {
      Object value = e.claim() == null ? e.constant() : auth.get(e.claim());
      if (value instanceof String || value instanceof Number || value instanceof Boolean) {
        return new Bound(e.field(), value, key(value));
      }
    }
    return null;
  }

  /** The index key of a document field's value (numbers compare by value: 1, 1.0 and 1e0 are one key). */
  static String key(Object value) {
    if (value instanceof Number n) {
      try {
        return "n" + new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
      } catch (NumberFormatException e) {
        return "n" + n;
      }
    }
    return (value instanceof String ? "s" : "b") + value;
  }

  /** Equalities joined by && at the top of the expression. */
  private static void collect(CelExpr expr, List<Equality> found) {
    if (expr.getKind() != CelExpr.ExprKind.Kind.CALL) {
      return;
    }
    CelExpr.CelCall call = expr.call();
    if (call.function().equals("_&&_")) {
      call.args().forEach(arg -> collect(arg, found));
    } else if (call.function().equals("_==_") && call.args().size() == 2) {
      Equality e = equality(call.args().get(0), call.args().get(1));
      if (e == null) {
        e = equality(call.args().get(1), call.args().get(0));
      }
      if (e != null) {
        found.add(e);
      }
    }
  }

  private static Equality equality(CelExpr field, CelExpr value) {
    String name = select(field, "doc");
    if (name == null) {
      return null;
    }
    if (value.getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
      CelConstant c = value.constant();
      return switch (c.getKind()) {
        case STRING_VALUE -> new Equality(name, c.stringValue(), null);
        case INT64_VALUE -> new Equality(name, c.int64Value(), null);
        case DOUBLE_VALUE -> new Equality(name, c.doubleValue(), null);
        case BOOLEAN_VALUE -> new Equality(name, c.booleanValue(), null);
        default -> null;
      };
    }
    String claim = select(value, "auth");
    return claim == null ? null : new Equality(name, null, claim);
  }

  /** {@code var.field} (one level), or null. */
  private static String select(CelExpr expr, String var) {
    if (expr.getKind() != CelExpr.ExprKind.Kind.SELECT) {
      return null;
    }
    CelExpr operand = expr.select().operand();
    return operand.getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals(var)
        ? expr.select().field() : null;
  }

  /** The value a document holds for an index's field, as an index key, or null when it has none. */
  static String keyOf(JsonObject doc, String field) {
    Object v = doc == null ? null : doc.getValue(field);
    return v instanceof String || v instanceof Number || v instanceof Boolean ? key(v) : null;
  }
}
