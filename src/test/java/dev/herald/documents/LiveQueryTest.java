package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.LogCapture;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Live queries on one node, as a browser sees them: what the rules let each caller see, errors for
 * bad registers, a token replaced or expired mid-query, and a socket that stops reading.
 */
class LiveQueryTest extends OneNodeTest {

  private static void put(String collection, String id, JsonObject doc) {
    Http.Response r = node.http.put("/api/v1/collections/" + collection + "/docs/" + id, doc, "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isIn(200, 201);
  }

  private static JsonObject bill(String customer, int amount) {
    return new JsonObject().put("customerId", customer).put("amount", amount);
  }

  private static JsonObject frameOf(BridgeClient client, String address, String type) {
    return client.event(address, b -> type.equals(b.getString("type")));
  }

  @Test
  void eachCallerSeesWhatTheReadRuleAllowsAndTheFilterSelects() {
    put("bills", "lq-a1", bill("lq-alice", 10));
    put("bills", "lq-b1", bill("lq-bob", 20));
    try (BridgeClient alice = node.bridge(Tokens.user("lq-alice"));
        BridgeClient admin = node.bridge(Tokens.user("lq-ann", "admin"))) {
      alice.subscribe("live:bills:all");
      admin.subscribe("live:bills:big", new JsonObject().put("filter", "doc.amount >= 15 && doc.customerId.startsWith('lq-')")
          .put("orderBy", "-amount").put("limit", 5));
      JsonArray mine = frameOf(alice, "live:bills:all", "query.snapshot").getJsonObject("data").getJsonArray("docs");
      assertThat(mine.stream().map(d -> ((JsonObject) d).getString("_id")).toList()).containsExactly("lq-a1");
      JsonArray big = frameOf(admin, "live:bills:big", "query.snapshot").getJsonObject("data").getJsonArray("docs");
      assertThat(big.stream().map(d -> ((JsonObject) d).getString("_id")).toList()).containsExactly("lq-b1");

      put("bills", "lq-b2", bill("lq-bob", 30));
      put("bills", "lq-a2", bill("lq-alice", 40));
      JsonObject appeared = frameOf(alice, "live:bills:all", "appear");
      assertThat(appeared.getString("id")).as("bob's bill never reaches alice").isEqualTo("lq-a2");
      assertThat(frameOf(admin, "live:bills:big", "appear").getString("id")).isEqualTo("lq-b2");
      assertThat(frameOf(admin, "live:bills:big", "appear").getString("id")).isEqualTo("lq-a2");

      put("bills", "lq-a2", bill("lq-alice", 5)); // out of the admin's filter, still alice's
      assertThat(frameOf(alice, "live:bills:all", "update").getJsonObject("data").getInteger("amount")).isEqualTo(5);
      JsonObject gone = frameOf(admin, "live:bills:big", "disappear");
      assertThat(gone.getJsonObject("data").getInteger("amount")).as("the last version it matched").isEqualTo(40);
      assertThat(alice.pending()).noneMatch(f -> f.encode().contains("lq-bob"));
    }
  }

  @Test
  void alertsAreLiveQueriesWhoseAppearIsTheAlert() {
    try (BridgeClient shop = node.bridge(Tokens.user("lq-shop", "admin"))) {
      shop.subscribe("live:products:low", new JsonObject().put("filter", "doc.alert == true && doc.stock < doc.threshold"));
      shop.subscribe("live:bills:big", new JsonObject().put("filter", "doc.status == \"listed\" && doc.amount >= 5000"));
      frameOf(shop, "live:products:low", "query.snapshot");
      frameOf(shop, "live:bills:big", "query.snapshot");
      put("products", "alert-1", new JsonObject().put("alert", true).put("stock", 10).put("threshold", 5.5));
      put("products", "alert-1", new JsonObject().put("alert", true).put("stock", 3).put("threshold", 5.5));
      assertThat(frameOf(shop, "live:products:low", "appear").getString("id")).as("stock fell below threshold").isEqualTo("alert-1");
      put("products", "alert-1", new JsonObject().put("alert", true).put("stock", 12).put("threshold", 5.5));
      assertThat(frameOf(shop, "live:products:low", "disappear").getString("id")).as("restocked").isEqualTo("alert-1");
      node.http.send("PUT", "/api/v1/collections/bills/docs/inv-1", "{\"customerId\":\"lq-x\",\"status\":\"listed\",\"amount\":7500.25}",
          "X-Api-Key", TestNode.API_KEY);
      assertThat(frameOf(shop, "live:bills:big", "appear").getString("id")).as("a decimal amount over a whole bound").isEqualTo("inv-1");
    }
  }

  @Test
  void badRegistersGetAnErrOnTheirAddress() {
    try (BridgeClient c = node.bridge(Tokens.user("lq-err"))) {
      c.register("live:bills:x", new JsonObject().put("filter", "doc.amount >"));
      JsonObject bad = c.nextErr();
      assertThat(bad.getString("address")).isEqualTo("live:bills:x");
      assertThat(bad.getInteger("failureCode")).isEqualTo(400);
      assertThat(bad.getString("message")).startsWith("invalid_filter");
      c.register("live:nothing:x");
      assertThat(c.nextErr().getInteger("failureCode")).isEqualTo(404);
      c.register("live:bills");
      assertThat(c.nextErr().getInteger("failureCode")).isEqualTo(400);
      c.register("live:bills:y", new JsonObject().put("limit", "lots"));
      assertThat(c.nextErr().getInteger("failureCode")).isEqualTo(400);
      c.register("live:bills:z", new JsonObject().put("since", -1));
      assertThat(c.nextErr().getInteger("failureCode")).isEqualTo(400);
      c.subscribe("live:bills:ok"); // the socket is fine afterwards
      assertThat(frameOf(c, "live:bills:ok", "query.snapshot")).isNotNull();
    }
  }

  @Test
  void aReplacedTokenStartsTheQueryOverUnderTheNewIdentity() {
    put("bills", "sw-1", bill("lq-sw-a", 1));
    put("bills", "sw-2", bill("lq-sw-b", 2));
    try (BridgeClient tab = node.bridge(Tokens.user("lq-sw-a"))) {
      tab.subscribe("live:bills:mine");
      assertThat(ids(frameOf(tab, "live:bills:mine", "query.snapshot"))).containsExactly("sw-1");
      tab.request("herald.auth", new JsonObject().put("token", Tokens.user("lq-sw-b")));
      JsonObject reset = frameOf(tab, "live:bills:mine", "query.snapshot");
      assertThat(reset.getJsonObject("data").getBoolean("reset")).isTrue();
      assertThat(ids(reset)).containsExactly("sw-2");
      put("bills", "sw-1", bill("lq-sw-a", 100));
      put("bills", "sw-2", bill("lq-sw-b", 200));
      assertThat(frameOf(tab, "live:bills:mine", "update").getString("id")).isEqualTo("sw-2");
      assertThat(tab.pending()).noneMatch(f -> f.encode().contains("lq-sw-a"));
    }
  }

  @Test
  void anExpiredTokenLeavesTheQueryWithWhatAnonymousMaySee() throws InterruptedException {
    put("bills", "exp-1", bill("lq-exp", 1));
    long exp = System.currentTimeMillis() / 1000 + 2;
    String shortLived = Tokens.hs256(new JsonObject().put("sub", "lq-exp").put("exp", exp), TestNode.JWT_SECRET);
    try (BridgeClient tab = node.bridge(shortLived)) {
      tab.subscribe("live:bills:mine");
      assertThat(ids(frameOf(tab, "live:bills:mine", "query.snapshot"))).containsExactly("exp-1");
      JsonObject reset = tab.next(f -> f.encode().contains("\"reset\":true"), Duration.ofSeconds(15)).getJsonObject("body");
      assertThat(ids(reset)).isEmpty();
      put("bills", "exp-1", bill("lq-exp", 2));
      put("bills", "exp-2", bill("lq-exp", 3));
      assertThat(tab.pending()).noneMatch(f -> f.encode().contains("exp-2"));
    }
  }

  @Test
  void aSocketThatStopsReadingGetsAFreshSnapshotNotASilentGap() {
    // 10 MB of changes: more than the kernel's socket buffers and Herald's 1 MiB backlog hold
    String pad = "p".repeat(10_000);
    try (BridgeClient slow = BridgeClient.connectWithSmallWindow(node.port, Tokens.user("lq-ann", "admin"))) {
      slow.subscribe("live:products:stall", new JsonObject().put("filter", "doc.stall == true"));
      frameOf(slow, "live:products:stall", "query.snapshot");
      slow.pause();
      for (int i = 0; i < 1000; i++) {
        put("products", "stall-" + (i % 100), new JsonObject().put("stall", true).put("n", i).put("pad", pad));
      }
      put("products", "stall-last", new JsonObject().put("stall", true).put("n", -1));
      slow.resume();
      JsonObject reset = slow.next(f -> f.encode().contains("\"reset\":true"), Duration.ofSeconds(30)).getJsonObject("body");
      Map<String, Integer> view = new TreeMap<>();
      reset.getJsonObject("data").getJsonArray("docs").forEach(d -> view.put(((JsonObject) d).getString("_id"),
          ((JsonObject) d).getInteger("n")));
      // whatever came after the reset snapshot is applied on top of it
      for (JsonObject f : slow.pending()) {
        JsonObject body = f.getJsonObject("body");
        if (body != null && "live:products:stall".equals(f.getString("address")) && body.getLong("seq") > reset.getLong("seq")) {
          view.put(body.getString("id"), body.getJsonObject("data").getInteger("n"));
        }
      }
      assertThat(view).hasSize(101);
      assertThat(view.get("stall-last")).isEqualTo(-1);
      for (int i = 0; i < 100; i++) {
        assertThat(view.get("stall-" + i)).as("stall-" + i).isEqualTo(900 + i);
      }
    }
  }

  @Test
  void registersAreRateLimitedPerSocket() {
    try (BridgeClient c = node.bridge(Tokens.user("lq-churn"))) {
      for (int i = 0; i < 40; i++) {
        c.register("live:products:churn-" + i);
      }
      JsonObject refused = c.nextErr();
      assertThat(refused.getInteger("failureCode")).isEqualTo(429);
      assertThat(refused.getString("message")).startsWith("rate_limited");
      // those within the limit (30 per 10 s) got their snapshot
      assertThat(frameOf(c, "live:products:churn-0", "query.snapshot")).isNotNull();
      assertThat(frameOf(c, "live:products:churn-29", "query.snapshot")).isNotNull();
    }
  }

  @Test
  void socketsThatLeaveBeforeTheirSnapshotLeaveNothingBehind() {
    try (LogCapture log = new LogCapture()) {
      for (int i = 0; i < 40; i++) {
        BridgeClient gone = node.bridge(Tokens.user("lq-flaky"));
        gone.register("live:products:flaky", new JsonObject().put("filter", "doc.flaky == true"));
        if (i % 2 == 0) {
          gone.unregister("live:products:flaky");
        }
        gone.close();
      }
      try (BridgeClient stays = node.bridge(Tokens.user("lq-flaky"))) {
        stays.subscribe("live:products:flaky", new JsonObject().put("filter", "doc.flaky == true"));
        frameOf(stays, "live:products:flaky", "query.snapshot");
        put("products", "flaky-1", new JsonObject().put("flaky", true));
        assertThat(frameOf(stays, "live:products:flaky", "appear").getString("id")).isEqualTo("flaky-1");
      }
      assertThat(log.failures()).as("nothing failed on the node").isEmpty();
    }
  }

  @Test
  void unregisterEndsTheQuery() {
    try (BridgeClient c = node.bridge(Tokens.user("lq-ann", "admin"))) {
      c.subscribe("live:products:bye", new JsonObject().put("filter", "doc.bye == true"));
      frameOf(c, "live:products:bye", "query.snapshot");
      c.unregister("live:products:bye");
      c.subscribe("live:products:witness", new JsonObject().put("filter", "doc.bye == true"));
      frameOf(c, "live:products:witness", "query.snapshot");
      put("products", "bye-1", new JsonObject().put("bye", true));
      assertThat(frameOf(c, "live:products:witness", "appear")).isNotNull();
      assertThat(c.pending()).noneMatch(f -> "live:products:bye".equals(f.getString("address")));
    }
  }

  private static java.util.List<String> ids(JsonObject snapshot) {
    return snapshot.getJsonObject("data").getJsonArray("docs").stream().map(d -> ((JsonObject) d).getString("_id")).toList();
  }
}
