package dev.herald.aggregate;

import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Live aggregates on one node: the shipped token-sale aggregate and a few declared for the test. */
class AggregateTest {

  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject aggregates = new JsonObject()
        .put("votes", new JsonObject().put("channels", new JsonArray().add("poll:*")).put("types", new JsonArray().add("vote"))
            .put("groupBy", "data.option")
            .put("fields", new JsonObject().put("votes", "count()").put("voters", "distinctCount(data.userId)")
                .put("biggest", "max(data.weight)").put("smallest", "min(data.weight)")))
        .put("tiny", new JsonObject().put("channels", new JsonArray().add("tiny"))
            .put("fields", new JsonObject().put("n", "sum(data.n)"))
            .put("goal", new JsonObject().put("field", "n").put("target", 10)))
        .put("balances", new JsonObject().put("channels", new JsonArray().add("ledger"))
            .put("groupBy", "data.userId").put("channel", "user:{group}")
            .put("fields", new JsonObject().put("balance", "sum(data.amount)")));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("aggregates", aggregates)
        .put("namespaces", new JsonObject().put("tiny", new JsonObject().put("subscribe", "anyone"))));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void tokenSaleTotalsGoalAndLatestPurchaseAreLive() {
    try (BridgeClient bar = node.bridge()) { // anyone may watch the sale
      bar.subscribe("agg:sales");
      JsonObject first = snapshot(bar, "agg:sales");
      assertThat(first.getJsonObject("values").getLong("totalBatchesSold")).isZero();
      assertThat(first.getJsonObject("values").getLong("remainingBatches")).isEqualTo(27900);

      purchase("p1", 3);
      purchase("p2", 4);
      purchase("p2", 4); // the same purchase posted again is not counted again
      node.http.publish("sales", "purchase.pending", new JsonObject().put("batchCount", 100)); // another type: ignored

      JsonObject rest = node.http.get("/api/v1/aggregates/sales").json();
      JsonObject values = rest.getJsonObject("values");
      assertThat(values.getLong("totalBatchesSold")).isEqualTo(7);
      assertThat(values.getLong("totalTokensSold")).isEqualTo(4900);
      assertThat(values.getLong("remainingBatches")).isEqualTo(27893);
      assertThat(values.getDouble("percentSold")).isEqualTo(0.03);
      assertThat(values.getJsonObject("latestPurchase").getString("purchaseId")).isEqualTo("p2");
      assertThat(rest.getJsonObject("lastEvent").getString("type")).isEqualTo("purchase.completed");
      JsonObject last = lastSnapshot(bar, "agg:sales", rest.getLong("version"));
      assertThat(last.getJsonObject("values")).isEqualTo(values);
    }
  }

  @Test
  void groupsCountDistinctValuesAndExtremes() {
    vote("poll:1", "alice", "yes", 5);
    vote("poll:1", "bob", "yes", 2);
    vote("poll:2", "alice", "no", 9);
    vote("poll:1", "alice", "yes", 1); // alice again: a vote, but not a new voter
    node.http.publish("poll:1", "comment", new JsonObject().put("option", "yes"));
    JsonObject rest = node.http.get("/api/v1/aggregates/votes", "Authorization", "Bearer " + Tokens.user("x")).json();
    JsonObject yes = rest.getJsonObject("groups").getJsonObject("yes");
    assertThat(yes.getLong("votes")).isEqualTo(3);
    assertThat(yes.getLong("voters")).isEqualTo(2);
    assertThat(yes.getLong("biggest")).isEqualTo(5);
    assertThat(yes.getLong("smallest")).isEqualTo(1);
    assertThat(rest.getJsonObject("groups").getJsonObject("no").getLong("votes")).isEqualTo(1);
    assertThat(rest.getJsonObject("values").getLong("votes")).isEqualTo(4);
    assertThat(rest.getJsonObject("values").getLong("voters")).isEqualTo(2);
    JsonObject one = node.http.get("/api/v1/aggregates/votes?group=no", "X-Api-Key", TestNode.API_KEY).json();
    assertThat(one.getString("group")).isEqualTo("no");
    assertThat(one.getJsonObject("values").getLong("biggest")).isEqualTo(9);
  }

  @Test
  void goalIsClampedAtOneHundredPercent() {
    node.http.publish("tiny", "add", new JsonObject().put("n", 7));
    JsonObject partial = node.http.get("/api/v1/aggregates/tiny").json().getJsonObject("values");
    assertThat(partial.getDouble("percent")).isEqualTo(70.0);
    assertThat(partial.getLong("remaining")).isEqualTo(3);
    node.http.publish("tiny", "add", new JsonObject().put("n", 7));
    JsonObject over = node.http.get("/api/v1/aggregates/tiny").json().getJsonObject("values");
    assertThat(over.getLong("n")).isEqualTo(14);
    assertThat(over.getDouble("percent")).isEqualTo(100.0);
    assertThat(over.getLong("remaining")).isZero();
  }

  @Test
  void burstsAreCoalescedVersionsOnlyGrowAndTheLastStateArrives() {
    try (BridgeClient watcher = node.bridge()) {
      watcher.subscribe("agg:sales");
      long started = System.nanoTime();
      for (int i = 0; i < 60; i++) {
        purchase("burst-" + i, 1);
      }
      JsonObject rest = node.http.get("/api/v1/aggregates/sales").json();
      List<Long> versions = new ArrayList<>();
      JsonObject s;
      do {
        s = snapshot(watcher, "agg:sales");
        versions.add(s.getLong("version"));
      } while (s.getLong("version") < rest.getLong("version"));
      double seconds = (System.nanoTime() - started) / 1e9;
      assertThat(versions).isSorted().doesNotHaveDuplicates();
      assertThat(s.getJsonObject("values")).isEqualTo(rest.getJsonObject("values"));
      // 60 changes, but at most one snapshot per 100 ms interval (plus the one sent on subscribe)
      assertThat(versions.size()).isLessThanOrEqualTo((int) Math.ceil(seconds / 0.1) + 2);
      assertThat(versions.size()).isLessThan(60);
    }
  }

  @Test
  void recomputeFromHistoryGivesTheSameValuesUnderANewVersion() {
    for (int i = 1; i <= 5; i++) {
      node.http.publish("tiny", "add", new JsonObject().put("n", i));
    }
    JsonObject before = node.http.get("/api/v1/aggregates/tiny").json();
    Response recomputed = node.http.post("/api/v1/aggregates/tiny/recompute", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(recomputed.status()).isEqualTo(200);
    assertThat(recomputed.json().getJsonObject("values")).isEqualTo(before.getJsonObject("values"));
    assertThat(recomputed.json().getLong("version")).isGreaterThan(before.getLong("version"));
    assertThat(node.http.post("/api/v1/aggregates/tiny/recompute", "{}", "Authorization", "Bearer " + Tokens.user("u"))
        .status()).isEqualTo(403);
    assertThat(node.http.post("/api/v1/aggregates/nope/recompute", "{}", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(404);
  }

  @Test
  void perUserAggregatesGoToTheirUsersChannelAndFollowItsRules() {
    try (BridgeClient u42 = node.bridge(Tokens.user("42"))) {
      u42.subscribe("user:42");
      node.http.publish("ledger", "credit", new JsonObject().put("userId", "42").put("amount", 10.5));
      node.http.publish("ledger", "credit", new JsonObject().put("userId", "43").put("amount", 99));
      node.http.publish("ledger", "debit", new JsonObject().put("userId", "42").put("amount", -0.25));
      JsonObject mine = node.http.get("/api/v1/aggregates/balances?group=42", "Authorization", "Bearer " + Tokens.user("42")).json();
      assertThat(mine.getJsonObject("values").getDouble("balance")).isEqualTo(10.25);
      JsonObject last = lastSnapshot(u42, "user:42", mine.getLong("version"));
      assertThat(last.getString("group")).isEqualTo("42");
      assertThat(last.getJsonObject("values").getDouble("balance")).isEqualTo(10.25);
      assertThat(node.http.get("/api/v1/aggregates/balances?group=42", "Authorization", "Bearer " + Tokens.user("43")).status())
          .isEqualTo(403);
      assertThat(node.http.get("/api/v1/aggregates/balances", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(400);
      assertThat(node.http.get("/api/v1/aggregates/unknown").status()).isEqualTo(404);
    }
  }

  static void purchase(String id, int batches) {
    Response r = node.http.post("/api/v1/channels/sales/events", new JsonObject().put("type", "purchase.completed").put("id", id)
        .put("data", new JsonObject().put("purchaseId", id).put("batchCount", batches)), "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).isIn(200, 201);
  }

  static void vote(String poll, String user, String option, int weight) {
    node.http.publish(poll, "vote", new JsonObject().put("userId", user).put("option", option).put("weight", weight));
  }

  static JsonObject snapshot(BridgeClient client, String channel) {
    return data(client.ephemeral(channel, "aggregate.snapshot"));
  }

  /** Snapshots until the one with the given version (which must come: the last state is always sent). */
  static JsonObject lastSnapshot(BridgeClient client, String channel, long version) {
    JsonObject s;
    do {
      s = snapshot(client, channel);
    } while (s.getLong("version") < version);
    assertThat(s.getLong("version")).isEqualTo(version);
    return s;
  }
}
