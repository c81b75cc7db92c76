package dev.herald.aggregate;

import dev.cel.runtime.CelRuntime;
import dev.herald.core.ChannelName;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * One event (or document) as an aggregate counts it: its group (null: the totals only) and each field's value as
 * exact JSON (for distinctCount, the value's JSON text: what the database keeps), evaluated once.
 * The same reading refuses, with a 400 naming the field, what the aggregate could not keep: a
 * number beyond {@link Decimal#BOUND} (or not finite, or an integer overflow), a group or distinct
 * value that cannot be a key ({@link StorableText}). The store runs it before the journal commits
 * anything, so the refusal reaches the publisher and nothing is stored.
 */
record CountedEvent(String group, List<Object> results) {

  /**
   * How an aggregate over a collection counts a document (read by {@link CelInput#ofDocument}): null
   * when the filter leaves it out (a filter that cannot be evaluated for it, reading a field it
   * lacks, leaves it out too).
   */
  static CountedEvent ofDocument(AggregateDefinition def, CelInput input) {
    if (def.filter() != null && !Boolean.TRUE.equals(evaluate(input, def.filter(), def, "filter"))) {
      return null;
    }
    return of(def, input);
  }

  /** The event's (or document's) group and field values, or a HeraldException (400) saying what cannot be kept. */
  static CountedEvent of(AggregateDefinition def, CelInput input) {
    String group = group(def, input);
    List<Object> results = new ArrayList<>(def.fields().size());
    for (FieldSpec f : def.fields()) {
      Object value = f.expr() == null ? null : evaluate(input, f.expr(), def, f.name() + " (" + f.source() + ")");
      if (f.kind() == FieldSpec.Kind.DISTINCT_COUNT && value != null) {
        String text = Json.encode(value);
        keyCheck(input, text, def, f.name() + " (" + f.source() + ")");
        value = text;
      }
      results.add(value);
    }
    return new CountedEvent(group, results);
  }

  private static String group(AggregateDefinition def, CelInput input) {
    if (def.groupBy() == null) {
      return null;
    }
    Object key = evaluate(input, def.groupBy(), def, "groupBy");
    String group = key == null ? null : String.valueOf(key);
    if (group == null || (def.perGroupChannels() && !ChannelName.isValid(group))) {
      return null; // no group, or one that cannot name a channel: counted in the totals only
    }
    keyCheck(input, group, def, "groupBy");
    return group;
  }

  /** The expression's exact JSON value for the event; null when it does not count. */
  private static Object evaluate(CelInput input, CelRuntime.Program expr, AggregateDefinition def, String what) {
    Object value;
    try {
      value = input.json(FieldSpec.eval(expr, input.vars()));
    } catch (ArithmeticException e) {
      throw input.refused(what + " overflows 64-bit integers for this event in aggregate " + def.name());
    }
    if (!keepable(value)) {
      throw input.refused(what + " gives a number out of range for aggregate " + def.name() + ": " + Decimal.BOUND);
    }
    return value;
  }

  /** Every number in the value within the bound (doubles CEL computed may be infinite or huge). */
  private static boolean keepable(Object value) {
    if (value instanceof JsonObject object) {
      return object.stream().allMatch(e -> keepable(e.getValue()));
    }
    if (value instanceof JsonArray array) {
      return array.stream().allMatch(CountedEvent::keepable);
    }
    if (value instanceof Number n) {
      BigDecimal d = Decimal.of(n);
      return d != null && Decimal.keepable(d);
    }
    return true;
  }

  private static void keyCheck(CelInput input, String key, AggregateDefinition def, String what) {
    String problem = StorableText.keyProblem(key);
    if (problem != null) {
      throw input.refused(what + " gives a value that " + problem + ", which aggregate " + def.name() + " cannot keep as a key");
    }
  }
}
