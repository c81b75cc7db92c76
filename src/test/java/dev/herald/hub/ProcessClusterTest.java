package dev.herald.hub;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.Timeouts;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Two Herald processes started as operators start them: {@code --cluster}, an external database in
 * HERALD_DB_URL, keys in HERALD_JWT_SECRET / HERALD_API_KEYS. An event published on one reaches a
 * subscriber of the other.
 */
class ProcessClusterTest {

  @Test
  void twoProcessesFormAClusterOverTheDocumentedEnvironment() {
    Map<String, String> env = Map.of(
        "HERALD_DB_URL", TestDatabase.create(),
        "HERALD_API_KEYS", "proc-key",
        "HERALD_JWT_SECRET", "proc-secret-0123456789abcdef0123");
    try (HeraldProcess a = HeraldProcess.start(env, "--cluster");
        HeraldProcess b = HeraldProcess.start(env, "--cluster")) {
      assertThat(a.http.get("/health/ready").json().getJsonObject("checks").getString("cluster")).isEqualTo("up");
      try (BridgeClient onB = BridgeClient.connect(b.port, null)) {
        onB.subscribe("market:procs");
        for (int i = 1; i <= 20; i++) {
          assertThat(a.http.post("/api/v1/channels/market:procs/events",
              new JsonObject().put("type", "listing").put("data", i), "X-Api-Key", "proc-key").status()).isEqualTo(201);
        }
        assertThat(seqs(onB.deliveries("market:procs", 20, Timeouts.SETTLE)))
            .containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
      }
    }
  }
}
