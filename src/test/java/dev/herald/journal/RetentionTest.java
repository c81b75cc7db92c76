package dev.herald.journal;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** History is kept per namespace up to a count (and an age); the head seq never goes back. */
class RetentionTest {

  @Test
  void historyIsTrimmedToTheNamespaceLimitAndSeqContinues() {
    JsonObject config = new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("short", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxEvents", 3)))
        .put("fleeting", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxAge", "0s")))
        .put("default", new JsonObject().put("history", new JsonObject().put("maxEvents", 1000))));
    try (TestNode node = TestNode.start(config)) {
      for (int i = 1; i <= 10; i++) {
        node.http.publish("short:feed", "n", i);
        node.http.publish("long-feed", "n", i);
        node.http.publish("fleeting:feed", "n", i);
      }
      node.herald.trimHistory().await();

      JsonObject trimmed = node.http.get("/api/v1/channels/short:feed/events").json();
      JsonArray events = trimmed.getJsonArray("events");
      assertThat(seqs(events)).containsExactly(8L, 9L, 10L);
      assertThat(trimmed.getLong("lastSeq")).isEqualTo(10);
      JsonObject kept = node.http.get("/api/v1/channels/long-feed/events", "X-Api-Key", TestNode.API_KEY).json();
      assertThat(kept.getJsonArray("events")).hasSize(10);
      assertThat(node.http.publish("short:feed", "n", 11).json().getLong("seq")).isEqualTo(11);
      node.herald.trimHistory().await();
      JsonArray later = node.http.get("/api/v1/channels/short:feed/events").json().getJsonArray("events");
      assertThat(seqs(later)).containsExactly(9L, 10L, 11L);

      // maxAge 0s: everything committed before the pass is past its age
      JsonObject aged = node.http.get("/api/v1/channels/fleeting:feed/events").json();
      assertThat(aged.getJsonArray("events")).isEmpty();
      assertThat(aged.getLong("lastSeq")).isEqualTo(10);
    }
  }
}
