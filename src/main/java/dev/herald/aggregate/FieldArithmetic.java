package dev.herald.aggregate;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The arithmetic of aggregates: folding one event's value into a field, exactly (sums are
 * decimals, never floating-point accumulations), and the goal's remaining/percent. Values are JSON
 * as {@link Decimal#json} makes it: Long for whole numbers that fit, Decimal for the others.
 */
final class FieldArithmetic {

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  /**
   * How many documents a row of an aggregate over a collection holds: kept with the values (field
   * names may not start with _), never shown. A group that holds none is gone, as a recount would
   * not find it.
   */
  static final String MEMBERS = "_docs";

  private FieldArithmetic() {
  }

  /** Values before any event: counts and sums 0, the others null. */
  static JsonObject initial(AggregateDefinition def) {
    JsonObject values = new JsonObject();
    for (FieldSpec f : def.fields()) {
      values.put(f.name(), startsAtZero(f) ? 0L : null);
    }
    if (def.overCollection()) {
      values.put(MEMBERS, 0L);
    }
    return withGoal(def, values);
  }

  /**
   * Stored values as the definition declares them now: a field the row lacks (added since) or holds
   * as something it cannot continue (a sum stored as "Infinity" by an older version) starts from
   * its initial value, a field no longer declared is dropped, and the goal is computed again.
   */
  static JsonObject stored(AggregateDefinition def, JsonObject row) {
    JsonObject values = new JsonObject();
    for (FieldSpec f : def.fields()) {
      Object kept = row.getValue(f.name());
      if (f.kind() != FieldSpec.Kind.LAST) {
        BigDecimal d = Decimal.of(kept);
        kept = d == null ? null : Decimal.json(d);
        if (f.kind() == FieldSpec.Kind.COUNT || f.kind() == FieldSpec.Kind.DISTINCT_COUNT) {
          kept = kept instanceof Long ? kept : null;
        }
      }
      values.put(f.name(), kept == null && startsAtZero(f) ? 0L : kept);
    }
    if (def.overCollection()) {
      values.put(MEMBERS, row.getValue(MEMBERS) instanceof Long n ? n : 0L);
    }
    return withGoal(def, values);
  }

  /**
   * Folds one event's value (exact JSON) into the field, or takes it back out ({@code sign} -1: only
   * counts and sums are ever asked to); distinctCount is counted by the caller.
   */
  static void apply(JsonObject values, FieldSpec f, Object result, int sign) {
    switch (f.kind()) {
      case COUNT -> {
        if (f.expr() == null || Boolean.TRUE.equals(result)) {
          values.put(f.name(), values.getLong(f.name()) + sign);
        }
      }
      case SUM -> {
        BigDecimal add = Decimal.of(result);
        if (add != null) {
          values.put(f.name(), Decimal.json(Decimal.of(values.getValue(f.name())).add(sign < 0 ? add.negate() : add)));
        }
      }
      case MIN, MAX -> {
        BigDecimal candidate = Decimal.of(result);
        BigDecimal current = Decimal.of(values.getValue(f.name()));
        if (candidate != null && (current == null
            || (f.kind() == FieldSpec.Kind.MIN ? candidate.compareTo(current) < 0 : candidate.compareTo(current) > 0))) {
          values.put(f.name(), Decimal.json(candidate));
        }
      }
      case LAST -> {
        if (result != null) {
          values.put(f.name(), result);
        }
      }
      case DISTINCT_COUNT -> {
        // counted against the database's set of seen values, see AggregateFold.distinctValues
      }
    }
  }

  /** A document comes into ({@code sign} 1) or leaves (-1) a row of an aggregate over a collection. */
  static void countMember(AggregateDefinition def, JsonObject values, int sign) {
    if (def.overCollection()) {
      values.put(MEMBERS, values.getLong(MEMBERS) + sign);
    }
  }

  /** A group of an aggregate over a collection that holds no document any more: it is dropped. */
  static boolean holdsNothing(AggregateDefinition def, JsonObject values) {
    return def.overCollection() && values.getLong(MEMBERS) == 0;
  }

  /** The values as snapshots show them: without the member count. */
  static JsonObject shown(JsonObject values) {
    if (!values.containsKey(MEMBERS)) {
      return values;
    }
    JsonObject copy = values.copy();
    copy.remove(MEMBERS);
    return copy;
  }

  static JsonObject withGoal(AggregateDefinition def, JsonObject values) {
    AggregateDefinition.Goal goal = def.goal();
    if (goal == null) {
      return values;
    }
    BigDecimal reached = Decimal.of(values.getValue(goal.field()));
    if (reached == null) {
      reached = BigDecimal.ZERO;
    }
    BigDecimal remaining = goal.target().subtract(reached).max(BigDecimal.ZERO);
    BigDecimal percent = goal.target().signum() == 0 ? HUNDRED
        : reached.multiply(HUNDRED).divide(goal.target(), 2, RoundingMode.HALF_UP).max(BigDecimal.ZERO).min(HUNDRED);
    return values.put(goal.remaining(), Decimal.json(remaining))
        .put(goal.percent(), percent.setScale(2, RoundingMode.HALF_UP).doubleValue());
  }

  private static boolean startsAtZero(FieldSpec f) {
    return f.kind() == FieldSpec.Kind.COUNT || f.kind() == FieldSpec.Kind.SUM || f.kind() == FieldSpec.Kind.DISTINCT_COUNT;
  }
}
