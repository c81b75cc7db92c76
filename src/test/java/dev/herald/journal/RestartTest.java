package dev.herald.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default set-up, embedded PostgreSQL in the data dir, keeps history and seq across a restart. */
class RestartTest {

  @TempDir
  Path dataDir;

  @Test
  void historyAndSeqSurviveARestartOfTheNode() {
    JsonObject embedded = new JsonObject().put("dataDir", dataDir.toString()).put("dbUrl", "");
    try (TestNode first = TestNode.start(embedded)) {
      for (int i = 1; i <= 5; i++) {
        assertThat(first.http.publish("market:persist", "n", i).status()).isEqualTo(201);
      }
    }
    assertThat(Files.isDirectory(dataDir.resolve("pg"))).isTrue();
    try (TestNode second = TestNode.start(embedded)) {
      JsonObject page = second.http.get("/api/v1/channels/market:persist/events").json();
      JsonArray events = page.getJsonArray("events");
      assertThat(events).hasSize(5);
      assertThat(events.getJsonObject(4).getInteger("data")).isEqualTo(5);
      assertThat(second.http.publish("market:persist", "n", 6).json().getLong("seq")).isEqualTo(6);
    }
  }
}
