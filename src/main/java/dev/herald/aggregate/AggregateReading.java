package dev.herald.aggregate;

import dev.herald.core.HeraldException;
import dev.herald.journal.Event;
import dev.herald.journal.NewEvent;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One event (or one change of a document) as every aggregate that concerns it counts it, read once:
 * the data is decoded and checked once for all of them, each aggregate's expressions evaluated once.
 * A publish is read on its way in, where a refusal can still reach the publisher; the commit then
 * folds the readings, so the transaction, which holds the aggregates' locks, neither decodes nor
 * evaluates anything.
 */
final class AggregateReading {

  /** How one aggregate counts one side of the event: added (+1), or a document's old version taken out (-1). */
  record Side(CountedEvent counted, int sign) {
  }

  private final Map<AggregateDefinition, List<Side>> sides = new IdentityHashMap<>();

  private AggregateReading() {
  }

  /**
   * An event about to be appended: a value some aggregate could not keep is refused (a
   * HeraldException, 400, naming the field), nothing stored. A document's old version was counted
   * already, or never could be, so only its new one is refused.
   */
  static AggregateReading ofNew(Collection<AggregateDefinition> defs, NewEvent e) {
    return read(defs, e.channel(), e.type(), e.id(), e.dataJson(), true);
  }

  /**
   * A stored event (history refolded, a document recounted): what an aggregate could not keep is
   * stored input from before the aggregate (or its check) existed, never counted, so it is neither
   * counted nor taken out now.
   */
  static AggregateReading ofStored(Collection<AggregateDefinition> defs, Event e) {
    return read(defs, e.channel(), e.type(), e.id(), e.dataJson(), false);
  }

  /** How the aggregate counts the event: nothing when it does not concern it or its filter leaves it out. */
  List<Side> sides(AggregateDefinition def) {
    return sides.getOrDefault(def, List.of());
  }

  private static AggregateReading read(Collection<AggregateDefinition> defs, String channel, String type, String id,
      String dataJson, boolean strict) {
    AggregateReading reading = new AggregateReading();
    List<AggregateDefinition> overEvents = new ArrayList<>();
    List<AggregateDefinition> overDocuments = new ArrayList<>();
    for (AggregateDefinition def : defs) {
      if (def.matches(channel, type)) {
        (def.overCollection() ? overDocuments : overEvents).add(def);
      }
    }
    if (!overEvents.isEmpty()) {
      CelInput input = attempt(strict, () -> CelInput.of(overEvents.get(0).name(), channel, type, id, dataJson));
      reading.count(overEvents, input, 1, strict, def -> CountedEvent.of(def, input));
    }
    if (!overDocuments.isEmpty()) {
      JsonObject change = ExactJson.object(dataJson);
      reading.countDocument(overDocuments, change.getJsonObject("before"), -1, false);
      reading.countDocument(overDocuments, change.getJsonObject("after"), 1, strict);
    }
    return reading;
  }

  private void countDocument(List<AggregateDefinition> defs, JsonObject doc, int sign, boolean strict) {
    if (doc != null) {
      CelInput input = attempt(strict, () -> CelInput.ofDocument(defs.get(0).name(), doc));
      count(defs, input, sign, strict, def -> CountedEvent.ofDocument(def, input));
    }
  }

  /** Each aggregate's count of one side (null: the filter leaves it out); none at all when the input was refused. */
  private void count(List<AggregateDefinition> defs, CelInput input, int sign, boolean strict,
      Function<AggregateDefinition, CountedEvent> counting) {
    if (input == null) {
      return;
    }
    for (AggregateDefinition def : defs) {
      CountedEvent counted = attempt(strict, () -> counting.apply(def));
      if (counted != null) {
        sides.computeIfAbsent(def, d -> new ArrayList<>(2)).add(new Side(counted, sign));
      }
    }
  }

  /** The value, or when it is refused: the refusal (strict) or null (not counted). */
  private static <T> T attempt(boolean strict, Supplier<T> reading) {
    try {
      return reading.get();
    } catch (HeraldException refused) {
      if (strict) {
        throw refused;
      }
      return null;
    }
  }
}
