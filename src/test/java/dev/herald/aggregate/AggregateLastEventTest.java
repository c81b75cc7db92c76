package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code lastEvent} is kept per group: a group's snapshot and its REST read carry the last event of
 * that group, never another group's that happened to commit in the same transaction.
 */
class AggregateLastEventTest {

  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject aggregates = new JsonObject()
        .put("balances", new JsonObject().put("channels", new JsonArray().add("ledger"))
            .put("groupBy", "data.userId").put("channel", "user:{group}")
            .put("fields", new JsonObject().put("balance", "sum(data.amount)")))
        .put("votes", new JsonObject().put("channels", new JsonArray().add("ballot"))
            .put("groupBy", "data.option").put("fields", new JsonObject().put("votes", "count()")));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("aggregates", aggregates));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void eachUsersSnapshotCarriesItsOwnLastEventWhenTheyCommitTogether() {
    try (BridgeClient alice = node.bridge(Tokens.user("alice")); BridgeClient bob = node.bridge(Tokens.user("bob"))) {
      alice.subscribe("user:alice");
      bob.subscribe("user:bob");
      AggregateTest.snapshot(alice, "user:alice"); // the current one, on subscribe
      AggregateTest.snapshot(bob, "user:bob");
      Response batch = node.http.post("/api/v1/events", new JsonArray()
          .add(entry("ledger", "credit", new JsonObject().put("userId", "alice").put("amount", 7)))
          .add(entry("ledger", "credit", new JsonObject().put("userId", "bob").put("amount", 5))), "X-Api-Key", TestNode.API_KEY);
      assertThat(batch.status()).isEqualTo(201);

      for (String user : new String[] {"alice", "bob"}) {
        JsonObject rest = node.http.get("/api/v1/aggregates/balances?group=" + user,
            "Authorization", "Bearer " + Tokens.user(user)).json();
        assertThat(rest.getJsonObject("lastEvent").getJsonObject("data").getString("userId")).isEqualTo(user);
        BridgeClient socket = user.equals("alice") ? alice : bob;
        JsonObject snapshot = AggregateTest.lastSnapshot(socket, "user:" + user, rest.getLong("version"));
        assertThat(snapshot.getJsonObject("lastEvent").getJsonObject("data").getString("userId")).isEqualTo(user);
      }
    }
  }

  @Test
  void aSharedChannelsGroupsCarryTheirOwnLastEventAndTheTotalsTheLastOfAll() {
    Response batch = node.http.post("/api/v1/events", new JsonArray()
        .add(entry("ballot", "vote", new JsonObject().put("option", "yes").put("by", "a")))
        .add(entry("ballot", "vote", new JsonObject().put("option", "no").put("by", "b")))
        .add(entry("ballot", "vote", new JsonObject().put("option", "yes").put("by", "c")))
        .add(entry("ballot", "vote", new JsonObject().put("option", "no").put("by", "d"))), "X-Api-Key", TestNode.API_KEY);
    assertThat(batch.status()).isEqualTo(201);
    assertThat(lastBy(node.http.get("/api/v1/aggregates/votes?group=yes").json())).isEqualTo("c");
    assertThat(lastBy(node.http.get("/api/v1/aggregates/votes?group=no").json())).isEqualTo("d");
    assertThat(lastBy(node.http.get("/api/v1/aggregates/votes").json())).isEqualTo("d");
  }

  static String lastBy(JsonObject snapshot) {
    return snapshot.getJsonObject("lastEvent").getJsonObject("data").getString("by");
  }

  static JsonObject entry(String channel, String type, JsonObject data) {
    return new JsonObject().put("channel", channel).put("type", type).put("data", data);
  }
}
