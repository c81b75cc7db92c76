package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A field added to an aggregate that already has state (a node restarted with a new definition) starts from zero. */
class AggregateDefinitionChangeTest {

  @Test
  void aNewSumFieldOnAnExistingAggregateCountsFromZero() {
    String db = TestDatabase.create();
    try (TestNode before = node(db, new JsonObject().put("n", "count()"))) {
      assertThat(before.http.publish("tally", "add", new JsonObject().put("x", 2)).status()).isEqualTo(201);
      assertThat(before.http.publish("tally", "add", new JsonObject().put("x", 3)).status()).isEqualTo(201);
    }
    try (TestNode after = node(db, new JsonObject().put("n", "count()").put("total", "sum(data.x)").put("top", "max(data.x)"))) {
      JsonObject restarted = after.http.get("/api/v1/aggregates/tally").json().getJsonObject("values");
      assertThat(restarted.getLong("n")).isEqualTo(2);
      assertThat(restarted.getLong("total")).isZero(); // missing counts as zero
      assertThat(restarted.containsKey("top")).isTrue();
      assertThat(restarted.getValue("top")).isNull();

      assertThat(after.http.publish("tally", "add", new JsonObject().put("x", 5)).status()).isEqualTo(201);
      JsonObject values = after.http.get("/api/v1/aggregates/tally").json().getJsonObject("values");
      assertThat(values.getLong("n")).isEqualTo(3);
      assertThat(values.getLong("total")).isEqualTo(5);
      assertThat(values.getLong("top")).isEqualTo(5);

      JsonObject recomputed = after.http.post("/api/v1/aggregates/tally/recompute", "{}", "X-Api-Key", TestNode.API_KEY).json();
      assertThat(recomputed.getJsonObject("values").getLong("total")).isEqualTo(10); // history counts for the new field
    }
  }

  static TestNode node(String db, JsonObject fields) {
    JsonObject tally = new JsonObject().put("channels", new JsonArray().add("tally")).put("channel", "agg:tally")
        .put("fields", fields);
    return TestNode.start(new JsonObject().put("dbUrl", db).put("aggregates", new JsonObject().put("tally", tally)));
  }
}
