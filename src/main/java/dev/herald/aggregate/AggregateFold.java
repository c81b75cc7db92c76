package dev.herald.aggregate;

import dev.herald.journal.Event;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Events folded into an aggregate's values, as a pure step (no SQL, no futures) so that the
 * arithmetic can be tested, and read, apart from the transaction around it. The store locks the
 * rows of {@link #groups}, records {@link #distinctValues} in the database's set of seen values, and
 * hands both back to {@link #apply}, which gives the values to save; {@link #lastEvents} gives each
 * row its own last event.
 *
 * <p>For an aggregate over a collection each event is a document's change: the document before it
 * (if it counted) is taken out of its group, the document after it (if it counts) put into its
 * group. An update that changes the group moves the document, a delete takes it out.
 */
final class AggregateFold {

  /** A value a distinctCount field saw in a group ("" for the totals), as JSON text. */
  record DistinctValue(String group, String field, String value) {
  }

  /** Where newly seen distinct values are counted: a group ("" for the totals) and a distinctCount field. */
  record DistinctKey(String group, String field) {
  }

  /** An event (or one side of a document's change), by its place in the list, and how the aggregate counts it: added (+1) or taken out (-1). */
  private record Item(int event, CountedEvent counted, int sign) {
  }

  private final AggregateDefinition def;
  private final List<Item> items = new ArrayList<>();
  private final SortedSet<String> groups = new TreeSet<>(List.of(""));

  /** Folds events as {@link AggregateReading} read them (on their way in); null for an event no aggregate concerns. */
  AggregateFold(AggregateDefinition def, List<AggregateReading> events) {
    this.def = def;
    for (int i = 0; i < events.size(); i++) {
      AggregateReading reading = events.get(i);
      if (reading == null) {
        continue;
      }
      for (AggregateReading.Side side : reading.sides(def)) {
        if (side.counted().group() != null) {
          groups.add(side.counted().group());
        }
        items.add(new Item(i, side.counted(), side.sign()));
      }
    }
  }

  /** Folds stored events (history, documents recounted), reading each now. */
  static AggregateFold ofStored(AggregateDefinition def, List<Event> events) {
    return new AggregateFold(def, events.stream().map(e -> AggregateReading.ofStored(List.of(def), e)).toList());
  }

  AggregateDefinition definition() {
    return def;
  }

  /** Whether nothing here counts (every document left out by the filter): the aggregate need not change. */
  boolean isEmpty() {
    return items.isEmpty();
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
        Object text = item.counted().results().get(i);
        if (text == null) {
          continue;
        }
        for (String g : rowsOf(item)) {
          seen.add(new DistinctValue(g, f.name(), (String) text));
        }
      }
    }
    return seen;
  }

  /**
   * The last counted event of each row, of the events as stored (in the order they were read): a
   * group's own, and for the totals "" the last of all. None over a collection: its events are
   * changes on an internal log, whose documents are not the snapshot's to show.
   */
  Map<String, Event> lastEvents(List<Event> stored) {
    Map<String, Event> last = new HashMap<>();
    if (def.overCollection()) {
      return last;
    }
    for (Item item : items) {
      rowsOf(item).forEach(g -> last.put(g, stored.get(item.event())));
    }
    return last;
  }

  /**
   * The values to save per group, goal fields included: {@code current} (the rows read under lock, as
   * the definition declares them now, see {@link FieldArithmetic#stored}; a group without one starts
   * from the initial values) with the events folded in and {@code newlySeen} added to the
   * distinctCount fields. {@code current} is left as it was.
   */
  Map<String, JsonObject> apply(Map<String, JsonObject> current, Map<DistinctKey, Long> newlySeen) {
    Map<String, JsonObject> values = new LinkedHashMap<>();
    current.forEach((g, v) -> values.put(g, FieldArithmetic.stored(def, v)));
    groups.forEach(g -> values.computeIfAbsent(g, k -> FieldArithmetic.initial(def)));
    for (Item item : items) {
      for (String g : rowsOf(item)) {
        JsonObject row = values.get(g);
        FieldArithmetic.countMember(def, row, item.sign());
        for (int i = 0; i < def.fields().size(); i++) {
          FieldArithmetic.apply(row, def.fields().get(i), item.counted().results().get(i), item.sign());
        }
      }
    }
    newlySeen.forEach((key, n) -> {
      JsonObject counted = values.get(key.group());
      counted.put(key.field(), counted.getLong(key.field()) + n);
    });
    values.replaceAll((g, v) -> FieldArithmetic.withGoal(def, v));
    return values;
  }

  /** The rows an event counts in: the totals, and its group if it has one. */
  private static List<String> rowsOf(Item item) {
    String group = item.counted().group();
    return group == null ? List.of("") : List.of("", group);
  }
}
