package dev.herald.documents;

import static dev.herald.documents.DocLists.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Timeouts;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * A node process killed (SIGKILL) while writers run transactions against it, each a product's new
 * stock and the bill that goes with it: a node started on the same database then holds every
 * acknowledged write, no transaction half applied, a change log that replays to exactly the stored
 * documents, document aggregates equal to a recount, and takes the next write where they left off.
 */
class DocumentCrashTest {

  static final int WRITERS = 4;
  /** Acknowledged transactions per writer before the kill: enough that the kill lands mid-stream. */
  static final int ACKS_BEFORE_KILL = 15;

  @Test
  void aKilledNodeLosesNoAcknowledgedWriteAndLeavesNoTransactionHalfDone() throws Exception {
    String db = TestDatabase.create();
    Map<String, String> env = Map.of("HERALD_DB_URL", db, "HERALD_JWT_SECRET", TestNode.JWT_SECRET,
        "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_GATEWAY_INSTANCES", "1");
    AtomicIntegerArray acked = new AtomicIntegerArray(WRITERS);
    Queue<String> refused = new ConcurrentLinkedQueue<>();
    try (HeraldProcess doomed = HeraldProcess.start(env)) {
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Thread t = new Thread(() -> write(doomed.http, writer, acked, refused));
        t.start();
        writers.add(t);
      }
      long deadline = System.nanoTime() + Timeouts.SETTLE.toNanos();
      while (!allAtLeast(acked, ACKS_BEFORE_KILL) && refused.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(refused).as("transactions before the kill").isEmpty();
      assertThat(allAtLeast(acked, ACKS_BEFORE_KILL)).as("each writer got %d transactions through: %s", ACKS_BEFORE_KILL, acked).isTrue();
      doomed.kill(); // mid-stream: every writer has a transaction in flight or about to be
      for (Thread t : writers) {
        t.join(60_000);
      }
      assertThat(refused).as("no transaction was refused; the kill only cuts them off").isEmpty();
    }

    try (TestNode after = TestNode.start(db, false)) {
      Http http = after.http;
      Map<String, JsonObject> products = DocLists.list(http, "products", null, apiKey());
      Map<String, JsonObject> bills = DocLists.list(http, "bills", null, apiKey());
      long billCount = 0;
      BigDecimal billTotal = BigDecimal.ZERO;
      for (int w = 0; w < WRITERS; w++) {
        JsonObject product = products.get("p" + w);
        int stock = product.getInteger("stock");
        assertThat(stock).as("writer %d's acknowledged transactions are all there", w).isGreaterThanOrEqualTo(acked.get(w));
        assertThat(stock).as("beyond them, at most the one in flight").isLessThanOrEqualTo(acked.get(w) + 1);
        assertThat(product.getLong("_rev")).as("one rev per committed write of p%d", w).isEqualTo(stock);
        for (int i = 1; i <= stock + 1; i++) {
          assertThat(bills.containsKey(bill(w, i))).as("bill %s exists exactly when p%d's stock reached %d", bill(w, i), w, i)
              .isEqualTo(i <= stock);
        }
        billCount += stock;
        billTotal = billTotal.add(BigDecimal.valueOf((long) stock * (stock + 1) / 2));
      }
      assertThat(bills).hasSize((int) billCount);

      JsonObject open = http.get("/api/v1/aggregates/billsByStatus", apiKey()).json().getJsonObject("groups").getJsonObject("open");
      assertThat(open.getLong("count")).as("billsByStatus counts what is stored").isEqualTo(billCount);
      assertThat(new BigDecimal(open.getValue("total").toString())).isEqualByComparingTo(billTotal);

      try (BridgeClient client = after.bridge(Tokens.user("reader"))) {
        LiveView log = LiveView.replay(client, "live:products:all", 0);
        products.forEach((id, doc) -> log.awaitRev(id, doc.getLong("_rev")));
        assertThat(log.docs()).as("the change log replays to the stored products").isEqualTo(products);
      }

      int stock = products.get("p0").getInteger("stock");
      Http.Response next = http.post("/api/v1/docs/transaction", transaction(0, stock + 1), apiKey());
      assertThat(next.status()).as(next.body()).isEqualTo(200);
      assertThat(next.json().getJsonArray("results").getJsonObject(0).getLong("_rev")).isEqualTo(stock + 1);
    }
  }

  /** Transactions one after the other until the node is gone: p{w} to stock i (If-Match i - 1) and bill b{w}-{i}. */
  private static void write(Http http, int writer, AtomicIntegerArray acked, Queue<String> refused) {
    for (int i = 1; ; i++) {
      Http.Response r;
      try {
        r = http.post("/api/v1/docs/transaction", transaction(writer, i), apiKey());
      } catch (UncheckedIOException gone) {
        return;
      }
      if (r.status() != 200) {
        refused.add("writer " + writer + " transaction " + i + ": " + r.status() + " " + r.body());
        return;
      }
      acked.set(writer, i);
    }
  }

  private static JsonObject transaction(int writer, int i) {
    return new JsonObject().put("writes", new JsonArray()
        .add(new JsonObject().put("op", "put").put("collection", "products").put("id", "p" + writer).put("ifMatch", i - 1)
            .put("doc", new JsonObject().put("stock", i).put("threshold", 0)))
        .add(new JsonObject().put("op", "put").put("collection", "bills").put("id", bill(writer, i)).put("ifMatch", 0)
            .put("doc", new JsonObject().put("customerId", "c" + writer).put("amount", i).put("status", "open"))));
  }

  private static String bill(int writer, int i) {
    return "b" + writer + "-" + i;
  }

  private static boolean allAtLeast(AtomicIntegerArray acked, int n) {
    for (int i = 0; i < acked.length(); i++) {
      if (acked.get(i) < n) {
        return false;
      }
    }
    return true;
  }
}
