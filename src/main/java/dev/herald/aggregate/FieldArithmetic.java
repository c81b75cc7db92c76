package dev.herald.aggregate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of aggregates: folding one event's value into a field, exactly (sums are
 * decimals, never floating-point accumulations), and the goal's remaining/percent.
 */
final class FieldArithmetic {

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private FieldArithmetic() {
  }

  /** Values before any event: counts and sums 0, the others null. */
  static JsonObject initial(AggregateDefinition def) {
    JsonObject values = new JsonObject();
    for (FieldSpec f : def.fields()) {
      boolean numeric = f.kind() == FieldSpec.Kind.COUNT || f.kind() == FieldSpec.Kind.SUM
          || f.kind() == FieldSpec.Kind.DISTINCT_COUNT;
      values.put(f.name(), numeric ? 0L : null);
    }
    return withGoal(def, values);
  }

  /** Folds one event's evaluated expression into the field (distinctCount is counted by the caller). */
  static void apply(JsonObject values, FieldSpec f, Object result) {
    switch (f.kind()) {
      case COUNT -> {
        if (f.expr() == null || Boolean.TRUE.equals(result)) {
          values.put(f.name(), values.getLong(f.name(), 0L) + 1);
        }
      }
      case SUM -> {
        BigDecimal add = decimal(result);
        if (add != null) {
          values.put(f.name(), number(decimal(values.getValue(f.name())).add(add)));
        }
      }
      case MIN, MAX -> {
        BigDecimal candidate = decimal(result);
        BigDecimal current = decimal(values.getValue(f.name()));
        if (candidate != null && (current == null
            || (f.kind() == FieldSpec.Kind.MIN ? candidate.compareTo(current) < 0 : candidate.compareTo(current) > 0))) {
          values.put(f.name(), number(candidate));
        }
      }
      case LAST -> {
        if (result != null) {
          values.put(f.name(), toJson(result));
        }
      }
      case DISTINCT_COUNT -> {
        // counted against the database's set of seen values, see AggregateFold.distinctValues
      }
    }
  }

  static JsonObject withGoal(AggregateDefinition def, JsonObject values) {
    AggregateDefinition.Goal goal = def.goal();
    if (goal == null) {
      return values;
    }
    BigDecimal reached = decimal(values.getValue(goal.field()));
    if (reached == null) {
      reached = BigDecimal.ZERO;
    }
    BigDecimal remaining = goal.target().subtract(reached).max(BigDecimal.ZERO);
    BigDecimal percent = goal.target().signum() == 0 ? HUNDRED
        : reached.multiply(HUNDRED).divide(goal.target(), 2, RoundingMode.HALF_UP).max(BigDecimal.ZERO).min(HUNDRED);
    return values.put(goal.remaining(), number(remaining)).put(goal.percent(), percent.setScale(2, RoundingMode.HALF_UP).doubleValue());
  }

  /** A number as JSON shows it: a whole number when it is one, else the shortest decimal. */
  static Number number(BigDecimal d) {
    BigDecimal stripped = d.stripTrailingZeros();
    if (stripped.scale() <= 0 && stripped.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
      return stripped.longValueExact();
    }
    return d.doubleValue();
  }

  static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return BigDecimal.valueOf(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
    }
    if (value instanceof Number n) {
      return new BigDecimal(n.toString());
    }
    return null;
  }

  /** CEL values back to JSON: maps and lists, protobuf null, unsigned longs. */
  static Object toJson(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject json = new JsonObject();
      map.forEach((k, v) -> json.put(String.valueOf(k), toJson(v)));
      return json;
    }
    if (value instanceof List<?> list) {
      JsonArray json = new JsonArray();
      list.forEach(v -> json.add(toJson(v)));
      return json;
    }
    if (value instanceof com.google.protobuf.NullValue) {
      return null;
    }
    if (value instanceof com.google.common.primitives.UnsignedLong u) {
      return u.longValue();
    }
    return value;
  }
}
