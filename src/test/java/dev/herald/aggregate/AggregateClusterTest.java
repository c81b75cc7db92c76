package dev.herald.aggregate;

import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestCluster;
import dev.herald.testing.TestNode;
import dev.herald.testing.Timeouts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The token-sale aggregate under concurrent purchases on three clustered nodes. */
class AggregateClusterTest {

  @Test
  void concurrentPurchasesOnSeveralNodesAddUpToHistoryAndVersionsOnlyGrow() throws Exception {
    TestCluster cluster = TestCluster.start(3);
    List<BridgeClient> watchers = new ArrayList<>();
    try {
      for (TestNode node : cluster.nodes()) {
        BridgeClient watcher = node.bridge();
        watcher.subscribe("agg:sales");
        watchers.add(watcher);
      }
      List<CompletableFuture<Void>> buyers = new ArrayList<>();
      for (int b = 0; b < 6; b++) {
        TestNode via = cluster.node(b % 3);
        int buyer = b;
        buyers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 25; i++) {
            String id = "buyer" + buyer + "-" + i;
            via.http.post("/api/v1/channels/sales/events", new JsonObject().put("type", "purchase.completed").put("id", id)
                .put("data", new JsonObject().put("purchaseId", id).put("batchCount", 1 + (i % 4))), "X-Api-Key", TestNode.API_KEY);
          }
        }));
      }
      CompletableFuture.allOf(buyers.toArray(new CompletableFuture[0])).get();

      // the totals equal the sum over history
      long fromHistory = 0;
      long since = 0;
      while (true) {
        JsonObject page = cluster.node(0).http.get("/api/v1/channels/sales/events?limit=1000&since=" + since).json();
        JsonArray events = page.getJsonArray("events");
        if (events.isEmpty()) {
          break;
        }
        for (Object e : events) {
          fromHistory += data((JsonObject) e).getLong("batchCount");
          since = ((JsonObject) e).getLong("seq");
        }
      }
      assertThat(fromHistory).isEqualTo(6 * (25 / 4 * 10 + 1)); // 1+2+3+4 six times per buyer, and one more 1
      JsonObject rest = cluster.node(1).http.get("/api/v1/aggregates/sales").json();
      assertThat(rest.getJsonObject("values").getLong("totalBatchesSold")).isEqualTo(fromHistory);
      assertThat(rest.getJsonObject("values").getLong("totalTokensSold")).isEqualTo(fromHistory * 700);

      // every subscriber saw versions strictly increase, ending at the REST version with the same values
      for (BridgeClient watcher : watchers) {
        List<Long> versions = new ArrayList<>();
        JsonObject s;
        do {
          s = data(watcher.ephemeral("agg:sales", "aggregate.snapshot", Timeouts.SETTLE));
          versions.add(s.getLong("version"));
        } while (s.getLong("version") < rest.getLong("version"));
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        assertThat(s.getLong("version")).isEqualTo(rest.getLong("version"));
        assertThat(s.getJsonObject("values")).isEqualTo(rest.getJsonObject("values"));
        assertThat(watcher.takeEphemeral("agg:sales", "aggregate.snapshot")).isEmpty(); // nothing older after it
      }
    } finally {
      watchers.forEach(BridgeClient::close);
      cluster.close();
    }
  }
}
