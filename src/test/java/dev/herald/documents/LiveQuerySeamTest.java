package dev.herald.documents;

import static dev.herald.documents.DocLists.admin;
import static dev.herald.documents.DocLists.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestCluster;
import dev.herald.testing.Timeouts;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The seam between a live query's snapshot and its changes, on two clustered nodes: queries that
 * register on node B while node A is busy writing a thousand products (creates, updates, deletes,
 * single and in small transactions) end with exactly what a REST list says, each document once at
 * its last rev, having received every change after their snapshot once, in seq order; and so does
 * one that leaves and comes back with {@code since} while the writes go on.
 */
class LiveQuerySeamTest {

  static final int DOCS = 1000;

  @Test
  void queriesRegisteredDuringAThousandWritesEndWithExactlyTheFinalSet() throws Exception {
    try (TestCluster cluster = TestCluster.start(2)) {
      cluster.awaitMembers();
      Http onA = cluster.node(0).http;
      CountDownLatch underWay = new CountDownLatch(1);
      CountDownLatch halfway = new CountDownLatch(1);
      // two writers on node A, each on its own half of the ids (no conflicts between them)
      CompletableFuture<Void> transactions = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < DOCS / 2; i++) {
          JsonArray writes = new JsonArray().add(put("p-" + i, i));
          if (i >= 7) {
            writes.add(new JsonObject().put("op", "patch").put("collection", "products").put("id", "p-" + (i - 7))
                .put("patch", new JsonObject().put("price", (i * 37) % 100).put("touched", i)));
          }
          if (i % 40 == 39) {
            writes.add(new JsonObject().put("op", "delete").put("collection", "products").put("id", "p-" + (i - 13)));
          }
          Http.Response r = onA.post("/api/v1/docs/transaction", new JsonObject().put("writes", writes), admin());
          assertThat(r.status()).as("transaction %s: %s", i, r.body()).isEqualTo(200);
          if (i == 150) {
            underWay.countDown();
          }
          if (i == 250) {
            halfway.countDown();
          }
        }
      });
      CompletableFuture<Void> puts = CompletableFuture.runAsync(() -> {
        for (int i = DOCS / 2; i < DOCS; i++) {
          String id = "p-" + i;
          assertThat(onA.put(path(id), put(id, i).getJsonObject("doc"), admin()).status()).isEqualTo(201);
          if (i % 2 == 0) {
            Http.Response r = onA.put(path(id), new JsonObject().put("price", (i * 53) % 100).put("again", true), admin());
            assertThat(r.status()).as("%s: %s", id, r.body()).isEqualTo(200);
          }
          if (i % 5 == 0 && i - 3 >= DOCS / 2) {
            assertThat(onA.patch(path("p-" + (i - 3)), new JsonObject().put("price", 99), admin()).status()).isEqualTo(200);
          }
          if (i % 50 == 49) {
            assertThat(onA.delete(path("p-" + (i - 1)), admin()).status()).isEqualTo(200);
          }
        }
      });

      assertThat(underWay.await(Timeouts.SETTLE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      try (BridgeClient onB = cluster.node(1).bridge(Tokens.user("shopper"))) {
        JsonObject everything = new JsonObject().put("limit", 10_000);
        LiveView all = LiveView.open(onB, "live:products:all", everything);
        LiveView dear = LiveView.open(onB, "live:products:dear", everything.copy().put("filter", "doc.price >= 50"));
        // one more leaves and comes back with since while the writers go on: its catch-up meets live changes too
        LiveView back = LiveView.open(onB, "live:products:back", everything.copy().put("filter", "doc.price < 50"));
        back.unregister();
        int left = back.received.size();
        assertThat(halfway.await(Timeouts.SETTLE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        back.resume();
        CompletableFuture.allOf(transactions, puts).get(5, TimeUnit.MINUTES);

        // fences written last, one dear and one cheap: once a query has its own, every change before it has come
        assertThat(onA.put(path("fence-dear"), new JsonObject().put("price", 100), admin()).status()).isEqualTo(201);
        assertThat(onA.put(path("fence-cheap"), new JsonObject().put("price", 1), admin()).status()).isEqualTo(201);
        for (LiveView view : List.of(all, dear, back)) {
          view.awaitRev(view == dear ? "fence-dear" : "fence-cheap", 1);
          view.foldArrived();
          assertThat(view.received.stream().filter(e -> !"query.snapshot".equals(e.getString("type"))).count())
              .as("%s registered while the writers were busy: changes came after its snapshot", view.address)
              .isGreaterThan(1);
        }
        assertThat(back.received.subList(left, back.received.size())).as("a resume within the log: no snapshot")
            .noneMatch(e -> "query.snapshot".equals(e.getString("type")));
        assertThat(back.docs()).isEqualTo(DocLists.list(onA, "products", "doc.price < 50", customer("shopper")));
        assertThat(all.docs()).isEqualTo(DocLists.list(onA, "products", null, customer("shopper")));
        assertThat(dear.docs()).isEqualTo(DocLists.list(onA, "products", "doc.price >= 50", customer("shopper")));
        assertThat(all.docs()).hasSize(DOCS + 2 - DOCS / 2 / 40 - DOCS / 2 / 50);
      }
    }
  }

  private static String path(String id) {
    return "/api/v1/collections/products/docs/" + id;
  }

  private static JsonObject put(String id, int i) {
    return new JsonObject().put("op", "put").put("collection", "products").put("id", id)
        .put("doc", new JsonObject().put("name", "product " + i).put("price", i % 100));
  }
}
