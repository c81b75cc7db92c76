package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Writes that come together are committed together, and still each stands alone: a unit a rule,
 * an If-Match or PostgreSQL refuses fails by itself, the writes beside it commit, and two writes
 * racing on one rev never both win.
 */
class DocumentGroupCommitTest {

  private static final String[] KEY = {"X-Api-Key", TestNode.API_KEY};
  private static TestNode node;

  /** A collection no aggregate counts: what it stores meets PostgreSQL's limits only. */
  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("collections",
        new JsonObject().put("plain", new JsonObject().put("read", "anyone").put("write", "nobody"))));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String doc(String id) {
    return "/api/v1/collections/plain/docs/" + id;
  }

  @Test
  void aRefusedWriteFailsAloneAmongConcurrentOnes() throws Exception {
    node.http.put(doc("gc-stale"), new JsonObject().put("v", 1), KEY);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (int round = 0; round < 5; round++) {
        String r = "gc" + round + "-";
        List<CompletableFuture<Http.Response>> good = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          String id = r + i;
          good.add(CompletableFuture.supplyAsync(() -> node.http.put(doc(id), new JsonObject().put("n", 1), KEY), pool));
        }
        // numbers jsonb cannot hold: PostgreSQL refuses the statement that would store it
        CompletableFuture<Http.Response> overflow = CompletableFuture.supplyAsync(
            () -> node.http.send("PUT", doc(r + "overflow"), "{\"n\": 1e1000000}", KEY), pool);
        CompletableFuture<Http.Response> stale = CompletableFuture.supplyAsync(
            () -> node.http.put(doc("gc-stale"), new JsonObject().put("v", 0), "X-Api-Key", TestNode.API_KEY, "If-Match", "99"), pool);
        for (CompletableFuture<Http.Response> f : good) {
          assertThat(f.get().status()).as(f.get().body()).isEqualTo(201);
        }
        assertThat(overflow.get().status()).as(overflow.get().body()).isEqualTo(400);
        assertThat(overflow.get().errorCode()).isEqualTo("invalid_document");
        assertThat(overflow.get().json().getJsonObject("error").getString("message")).as("PostgreSQL's refusal, passed on")
            .startsWith("the document store refused this write");
        assertThat(stale.get().status()).isEqualTo(409);
        assertThat(node.http.get(doc(r + "overflow"), KEY).status()).isEqualTo(404);
        for (int i = 0; i < 30; i++) {
          assertThat(node.http.get(doc(r + i), KEY).json().getInteger("n")).isEqualTo(1);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoWritesOnOneRevNeverBothWin() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 20; round++) {
        String id = "gc-race-" + round;
        node.http.put(doc(id), new JsonObject().put("owner", "none"), KEY);
        List<CompletableFuture<Http.Response>> claims = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          String claimant = "c" + c;
          claims.add(CompletableFuture.supplyAsync(() -> node.http.put(doc(id), new JsonObject().put("owner", claimant),
              "X-Api-Key", TestNode.API_KEY, "If-Match", "1"), pool));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Http.Response> f : claims) {
          statuses.add(f.get().status());
        }
        assertThat(statuses).as("round " + round).containsOnlyOnce(200).containsOnly(200, 409);
        JsonObject stored = node.http.get(doc(id), KEY).json();
        assertThat(stored.getLong("_rev")).isEqualTo(2);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
