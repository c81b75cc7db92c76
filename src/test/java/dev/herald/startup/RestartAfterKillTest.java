package dev.herald.startup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default set-up, a node with its embedded PostgreSQL in a data dir, after a crash: the node
 * starts again on the same data dir with its history, whatever the crash left running, and the
 * embedded PostgreSQL does not outlive its node for long.
 */
class RestartAfterKillTest {

  /** How soon after its node's death the embedded PostgreSQL must be gone. */
  static final Duration ORPHAN_LIFETIME = Duration.ofSeconds(5);

  @TempDir
  Path dataDir;

  @AfterEach
  void stopWhatATestLeftBehind() throws InterruptedException {
    Postmasters.stopLeftover(dataDir);
  }

  Map<String, String> embedded() {
    return Map.of("HERALD_DATA_DIR", dataDir.toString(), "HERALD_DB_URL", "", "HERALD_API_KEYS", TestNode.API_KEY,
        "HERALD_JWT_SECRET", TestNode.JWT_SECRET, "HERALD_GATEWAY_INSTANCES", "1");
  }

  /** The same node configuration for a node in the test's JVM. */
  JsonObject inThisJvm() {
    return new JsonObject().put("dataDir", dataDir.toString()).put("dbUrl", "");
  }

  @Test
  void aNodeKilledWithEverythingItStartedStartsAgainOnTheSameDataDirWithItsHistory() {
    HeraldProcess first = HeraldProcess.start(embedded());
    try {
      publish(first.http, 5);
    } finally {
      first.killWithChildren(); // as the OOM killer of a whole cgroup would: no one is left to clean up
    }
    assertThat(Postmasters.running(dataDir)).as("the killed node's PostgreSQL, left running").isPresent();

    try (HeraldProcess second = HeraldProcess.start(embedded())) {
      assertHistory(second.http, 5);
      assertThat(second.http.publish("market:crash", "n", 6).json().getLong("seq")).isEqualTo(6);
    }
  }

  @Test
  void theEmbeddedPostgresStopsWithinSecondsOfItsNodesDeath() throws InterruptedException {
    HeraldProcess first = HeraldProcess.start(embedded());
    long postmaster;
    try {
      publish(first.http, 3);
      postmaster = Postmasters.running(dataDir).orElseThrow();
    } finally {
      first.kill(); // SIGKILL to the JVM alone
      first.awaitExit();
    }
    Duration took = Postmasters.awaitGone(postmaster, dataDir, ORPHAN_LIFETIME.multipliedBy(2));
    assertThat(took).as("PostgreSQL %d still runs %s after its node was killed", postmaster, ORPHAN_LIFETIME.multipliedBy(2))
        .isNotNull();
    assertThat(took).isLessThanOrEqualTo(ORPHAN_LIFETIME);

    // stopped cleanly: a node (in this JVM, which is quicker to start) finds the history there
    try (TestNode second = TestNode.start(inThisJvm())) {
      assertHistory(second.http, 3);
    }
  }

  @Test
  void aStalePidFileNamingAnUnrelatedLiveProcessNeitherBlocksTheStartNorHarmsIt() throws Exception {
    try (TestNode first = TestNode.start(inThisJvm())) {
      publish(first.http, 2);
    }
    // the PID a crashed postmaster left in its pid file now belongs to some other program
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      Files.writeString(dataDir.resolve("pg/postmaster.pid"), unrelated.pid() + "\n" + dataDir.resolve("pg") + "\n");
      try (TestNode second = TestNode.start(inThisJvm())) {
        assertHistory(second.http, 2);
      }
      assertThat(unrelated.isAlive()).as("the unrelated process is left alone").isTrue();
    } finally {
      unrelated.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  static void publish(Http http, int count) {
    for (int i = 1; i <= count; i++) {
      assertThat(http.publish("market:crash", "n", i).status()).isEqualTo(201);
    }
  }

  static void assertHistory(Http http, int count) {
    JsonArray events = http.get("/api/v1/channels/market:crash/events").json().getJsonArray("events");
    assertThat(events).hasSize(count);
    assertThat(events.getJsonObject(count - 1).getInteger("data")).isEqualTo(count);
  }
}
