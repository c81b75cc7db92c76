package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.journal.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What aggregates find in the database is continued as the definition declares it now: rows
 * written before a field existed, rows an older version poisoned, history stored before a check.
 */
class StoredStateTest {

  static final AggregateDefinition DEF = AggregateDefinition.parse("sales", new JsonObject()
      .put("channels", new JsonArray().add("sales"))
      .put("fields", new JsonObject().put("n", "count()").put("sold", "sum(data.n)").put("top", "max(data.n)")
          .put("latest", "last(data.n)"))
      .put("goal", new JsonObject().put("field", "sold").put("target", 10)));

  @Test
  void aFieldTheRowLacksOrCannotContinueStartsFromItsInitialValue() {
    JsonObject row = ExactJson.object("{\"n\":2,\"sold\":\"Infinity\",\"gone\":5,\"latest\":\"x\"}");
    JsonObject values = FieldArithmetic.stored(DEF, row);
    assertThat(values.encode()).isEqualTo("{\"n\":2,\"sold\":0,\"top\":null,\"latest\":\"x\",\"remaining\":10,\"percent\":0.0}");
    JsonObject folded = AggregateFold.ofStored(DEF, List.of(event(1, "{\"n\":4}"))).apply(Map.of("", row), Map.of()).get("");
    assertThat(folded.encode()).isEqualTo("{\"n\":3,\"sold\":4,\"top\":4,\"latest\":4,\"remaining\":6,\"percent\":40.0}");
  }

  @Test
  void aRecomputeSkipsHistoryTheLiveCheckWouldHaveRefused() {
    List<Event> history = List.of(event(1, "{\"n\":1.7e308}"), event(2, "{\"n\":0.5}"),
        event(3, "{\"n\":1.7e308}"), event(4, "{\"n\":\"a\\u0000\"}"), event(5, "{\"n\":0.25}"));
    AggregateFold fold = AggregateFold.ofStored(DEF, history);
    JsonObject values = fold.apply(Map.of(), Map.of()).get("");
    assertThat(values.getLong("n")).isEqualTo(2);
    assertThat(Decimal.of(values.getValue("sold"))).isEqualTo(new BigDecimal("0.75"));
    assertThat(fold.lastEvents(history).get("").seq()).isEqualTo(5);
  }

  static Event event(long seq, String data) {
    return new Event("sales", seq, "e" + seq, "t", data, Instant.EPOCH);
  }
}
