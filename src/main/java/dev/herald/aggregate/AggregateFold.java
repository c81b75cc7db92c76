package dev.herald.aggregate;

import dev.herald.core.CelValues;
import dev.herald.core.ChannelName;
import dev.herald.journal.Event;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Events folded into an aggregate's values, as a pure step (no SQL, no futures) so that the
 * arithmetic can be tested, and read, apart from the transaction around it. The store locks the
 * rows of {@link #groups}, records {@link #distinctValues} in the database's set of seen values, and
 * hands both back to {@link #apply}, which gives the values to save.
 */
final class AggregateFold {

  /** A value a distinctCount field saw in a group ("" for the totals), as JSON text. */
  record DistinctValue(String group, String field, String value) {
  }

  /** Where newly seen distinct values are counted: a group ("" for the totals) and a distinctCount field. */
  record DistinctKey(String group, String field) {
  }

  /** An event as the aggregate sees it: its group (null: counted in the totals only) and each field's result. */
  private record Item(String group, List<Object> results) {
  }

  private final AggregateDefinition def;
  private final List<Item> items = new ArrayList<>();
  private final SortedSet<String> groups = new TreeSet<>(List.of(""));

  /** Evaluates each event's group and fields once. */
  AggregateFold(AggregateDefinition def, List<Event> events) {
    this.def = def;
    for (Event e : events) {
      Map<String, Object> vars = Map.of("data", CelValues.of(e.data()), "type", e.type(), "channel", e.channel(), "id", e.id());
      String group = group(vars);
      if (group != null) {
        groups.add(group);
      }
      List<Object> results = new ArrayList<>(def.fields().size());
      for (FieldSpec f : def.fields()) {
        results.add(f.expr() == null ? null : FieldSpec.eval(f.expr(), vars));
      }
      items.add(new Item(group, results));
    }
  }

  private String group(Map<String, Object> vars) {
    if (def.groupBy() == null) {
      return null;
    }
    Object key = FieldSpec.eval(def.groupBy(), vars);
    String group = key == null ? null : String.valueOf(FieldArithmetic.toJson(key));
    if (group != null && !ChannelName.isValid(group) && def.perGroupChannels()) {
      return null; // cannot name a channel: counted in the totals only
    }
    return group;
  }

  /** The totals row "" and every group the events fall in, in name order: the rows to lock, always in the same order. */
  SortedSet<String> groups() {
    return Collections.unmodifiableSortedSet(groups);
  }

  /** What the distinctCount fields saw, per group: the database keeps the set and tells which values are new. */
  List<DistinctValue> distinctValues() {
    List<DistinctValue> seen = new ArrayList<>();
    for (int i = 0; i < def.fields().size(); i++) {
      FieldSpec f = def.fields().get(i);
      if (f.kind() != FieldSpec.Kind.DISTINCT_COUNT) {
        continue;
      }
      for (Item item : items) {
        Object v = item.results().get(i);
        if (v == null) {
          continue;
        }
        String text = Json.encode(FieldArithmetic.toJson(v));
        for (String g : item.group() == null ? List.of("") : List.of("", item.group())) {
          seen.add(new DistinctValue(g, f.name(), text));
        }
      }
    }
    return seen;
  }

  /**
   * The values to save per group, goal fields included: {@code current} (the rows read under lock; a
   * group without one starts from the initial values) with the events folded in and {@code newlySeen}
   * added to the distinctCount fields. {@code current} is left as it was.
   */
  Map<String, JsonObject> apply(Map<String, JsonObject> current, Map<DistinctKey, Long> newlySeen) {
    Map<String, JsonObject> values = new LinkedHashMap<>();
    current.forEach((g, v) -> values.put(g, v.copy()));
    groups.forEach(g -> values.computeIfAbsent(g, k -> FieldArithmetic.initial(def)));
    for (Item item : items) {
      for (int i = 0; i < def.fields().size(); i++) {
        FieldSpec f = def.fields().get(i);
        FieldArithmetic.apply(values.get(""), f, item.results().get(i));
        if (item.group() != null) {
          FieldArithmetic.apply(values.get(item.group()), f, item.results().get(i));
        }
      }
    }
    newlySeen.forEach((key, n) -> {
      JsonObject counted = values.get(key.group());
      counted.put(key.field(), counted.getLong(key.field(), 0L) + n);
    });
    values.replaceAll((g, v) -> FieldArithmetic.withGoal(def, v));
    return values;
  }
}
