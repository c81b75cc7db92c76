package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http.Response;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The REST contract of durable channels on one node, with a real PostgreSQL behind it. */
class ChannelsRestTest extends OneNodeTest {


  static String[] key() {
    return new String[] {"X-Api-Key", TestNode.API_KEY};
  }

  static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  @Test
  void publishReturnsGapFreeSeqAndReceipt() {
    for (int i = 1; i <= 3; i++) {
      Response r = node.http.publish("orders", "order.created", new JsonObject().put("n", i));
      assertThat(r.status()).isEqualTo(201);
      assertThat(r.json().getString("channel")).isEqualTo("orders");
      assertThat(r.json().getLong("seq")).isEqualTo(i);
      assertThat(r.json().getString("id")).isNotBlank();
      assertThat(r.json().getString("ts")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    }
  }

  @Test
  void historyReturnsDataAsPublishedKeyOrderIncluded() {
    JsonObject data = new JsonObject().put("zeta", 1).put("alpha", new JsonObject().put("y", true).put("b", "x")).put("mid", 2.50);
    node.http.publish("ordered", "t", data);
    JsonObject stored = node.http.get("/api/v1/channels/ordered/events", key()).json()
        .getJsonArray("events").getJsonObject(0).getJsonObject("data");
    assertThat(stored.fieldNames()).containsExactly("zeta", "alpha", "mid");
    assertThat(stored.getJsonObject("alpha").fieldNames()).containsExactly("y", "b");
    assertThat(stored).isEqualTo(data);
  }

  @Test
  void repostingTheSameIdReturnsTheFirstResultAndStoresOnce() {
    JsonObject event = new JsonObject().put("type", "paid").put("data", new JsonObject().put("amount", 5)).put("id", "pay-1");
    Response first = node.http.post("/api/v1/channels/payments/events", event, key());
    Response again = node.http.post("/api/v1/channels/payments/events", event, key());
    assertThat(first.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(first.json());
    JsonObject history = node.http.get("/api/v1/channels/payments/events", key()).json();
    assertThat(history.getJsonArray("events")).hasSize(1);
    assertThat(history.getLong("lastSeq")).isEqualTo(1);
  }

  @Test
  void batchIsOneCommitInOrderWithIdempotentItems() {
    node.http.post("/api/v1/channels/batch-a/events", new JsonObject().put("type", "x").put("id", "known"), key());
    JsonArray batch = new JsonArray()
        .add(new JsonObject().put("channel", "batch-a").put("type", "a1").put("data", 1))
        .add(new JsonObject().put("channel", "batch-b").put("type", "b1").put("data", 2))
        .add(new JsonObject().put("channel", "batch-a").put("type", "again").put("id", "known"))
        .add(new JsonObject().put("channel", "batch-a").put("type", "a2").put("data", 3));
    Response r = node.http.post("/api/v1/events", batch, key());
    assertThat(r.status()).isEqualTo(201);
    JsonArray results = r.array();
    assertThat(results).hasSize(4);
    assertThat(results.getJsonObject(0).getLong("seq")).isEqualTo(2);
    assertThat(results.getJsonObject(1).getLong("seq")).isEqualTo(1);
    assertThat(results.getJsonObject(2).getLong("seq")).isEqualTo(1); // the earlier "known" event
    assertThat(results.getJsonObject(3).getLong("seq")).isEqualTo(3);
    assertThat(results.getJsonObject(0).getString("ts")).isEqualTo(results.getJsonObject(3).getString("ts"));
  }

  @Test
  void anIdRepeatedInsideOneBatchIsStoredOnce() {
    JsonArray batch = new JsonArray()
        .add(new JsonObject().put("channel", "twice").put("type", "first").put("id", "same"))
        .add(new JsonObject().put("channel", "twice").put("type", "second").put("id", "same"));
    JsonArray results = node.http.post("/api/v1/events", batch, key()).array();
    assertThat(results.getJsonObject(0)).isEqualTo(results.getJsonObject(1));
    JsonObject history = node.http.get("/api/v1/channels/twice/events", key()).json();
    assertThat(history.getJsonArray("events")).hasSize(1);
    assertThat(history.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("first");
  }

  @Test
  void aBatchWithOneBadItemStoresNothing() {
    JsonArray batch = new JsonArray()
        .add(new JsonObject().put("channel", "atomic").put("type", "ok"))
        .add(new JsonObject().put("channel", "bad channel").put("type", "ok"));
    Response r = node.http.post("/api/v1/events", batch, key());
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().getJsonObject("error").getString("message")).startsWith("item 1:");
    assertThat(node.http.get("/api/v1/channels/atomic/events", key()).json().getLong("lastSeq")).isZero();
  }

  @Test
  void historyPagesWithSinceAndLimit() {
    for (int i = 1; i <= 25; i++) {
      node.http.publish("paged", "n", i);
    }
    List<Long> seen = new ArrayList<>();
    long since = 0;
    while (true) {
      JsonObject page = node.http.get("/api/v1/channels/paged/events?since=" + since + "&limit=10", key()).json();
      assertThat(page.getLong("lastSeq")).isEqualTo(25);
      JsonArray events = page.getJsonArray("events");
      if (events.isEmpty()) {
        break;
      }
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        seen.add(e.getLong("seq"));
        assertThat(e.getValue("data")).isEqualTo((int) (long) e.getLong("seq"));
        assertThat(e.fieldNames()).containsExactlyInAnyOrder("channel", "seq", "id", "type", "data", "ts");
      }
      since = seen.get(seen.size() - 1);
    }
    assertThat(seen).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 25).boxed().toList());
    JsonObject defaults = node.http.get("/api/v1/channels/paged/events", key()).json();
    assertThat(defaults.getJsonArray("events")).hasSize(25);
  }

  @Test
  void unknownChannelHasEmptyHistoryAndHeadZero() {
    JsonObject page = node.http.get("/api/v1/channels/never-written/events", key()).json();
    assertThat(page.getJsonArray("events")).isEmpty();
    assertThat(page.getLong("lastSeq")).isZero();
  }

  @Test
  void badInputGetsA400WithCodeAndMessage() {
    String path = "/api/v1/channels/inputs/events";
    assertError(node.http.post(path, "{not json", key()), 400, "invalid_json");
    assertError(node.http.post(path, "", key()), 400, "invalid_json");
    assertError(node.http.post(path, "[1,2]", key()), 400, "invalid_event");
    assertError(node.http.post(path, new JsonObject().put("data", 1), key()), 400, "invalid_event");
    assertError(node.http.post(path, new JsonObject().put("type", 42), key()), 400, "invalid_event");
    assertError(node.http.post(path, new JsonObject().put("type", "t").put("id", 7), key()), 400, "invalid_event");
    assertError(node.http.post(path, new JsonObject().put("type", "x".repeat(201)), key()), 400, "invalid_event");
    assertError(node.http.post("/api/v1/channels/" + "c".repeat(201) + "/events", new JsonObject().put("type", "t"), key()),
        400, "invalid_channel");
    assertError(node.http.post("/api/v1/channels/a%20b/events", new JsonObject().put("type", "t"), key()), 400, "invalid_channel");
    assertError(node.http.post("/api/v1/channels/caf%C3%A9/events", new JsonObject().put("type", "t"), key()), 400, "invalid_channel");
    assertError(node.http.post("/api/v1/events", "{}", key()), 400, "invalid_batch");
    assertError(node.http.post("/api/v1/events", "[]", key()), 400, "invalid_batch");
    assertError(node.http.get(path + "?since=abc", key()), 400, "invalid_since");
    assertError(node.http.get(path + "?since=-1", key()), 400, "invalid_since");
    assertError(node.http.get(path + "?limit=0", key()), 400, "invalid_limit");
    assertError(node.http.get(path + "?limit=1001", key()), 400, "invalid_limit");
    assertError(node.http.get("/api/v1/nothing-here", key()), 404, "not_found");
    // the node keeps serving after all of that
    assertThat(node.http.publish("inputs", "fine", null).status()).isEqualTo(201);
  }

  @Test
  void bodiesOverTheLimitGet413() {
    String big = "{\"type\":\"big\",\"data\":\"" + "x".repeat(70_000) + "\"}";
    assertError(node.http.post("/api/v1/channels/big/events", big, key()), 413, "too_large");
    assertThat(node.http.get("/api/v1/channels/big/events", key()).json().getLong("lastSeq")).isZero();
  }

  @Test
  void tokensThatAreMissingForgedOrExpiredGet401() {
    String path = "/api/v1/channels/secret-news/events";
    assertError(node.http.get(path), 401, "unauthorized");
    assertError(node.http.get(path, bearer(Tokens.expired("u1"))), 401, "unauthorized");
    assertError(node.http.get(path, bearer(Tokens.wrongSecret("u1"))), 401, "unauthorized");
    assertError(node.http.get(path, bearer(Tokens.algNone("u1"))), 401, "unauthorized");
    assertError(node.http.get(path, bearer("not.a.jwt")), 401, "unauthorized");
    assertError(node.http.get(path, "Authorization", "Basic dTpw"), 401, "unauthorized");
    assertError(node.http.get(path, "X-Api-Key", "wrong-key"), 401, "unauthorized");
    assertThat(node.http.get(path, bearer(Tokens.user("u1"))).status()).isEqualTo(200);
  }

  @Test
  void namespaceRulesDecideWhoMayReadAndPublish() {
    // sales: anyone reads, only servers publish
    assertThat(node.http.get("/api/v1/channels/sales/events").status()).isEqualTo(200);
    assertError(node.http.post("/api/v1/channels/sales/events", new JsonObject().put("type", "t"), bearer(Tokens.user("u1"))),
        403, "forbidden");
    assertError(node.http.post("/api/v1/channels/sales/events", new JsonObject().put("type", "t")), 401, "unauthorized");
    // chat: any token publishes
    assertThat(node.http.post("/api/v1/channels/chat:lobby/events", new JsonObject().put("type", "msg"),
        bearer(Tokens.user("u1"))).status()).isEqualTo(201);
    // user:{id} only for that user, role:{r} only for holders of r
    assertThat(node.http.get("/api/v1/channels/user:42/events", bearer(Tokens.user("42"))).status()).isEqualTo(200);
    assertError(node.http.get("/api/v1/channels/user:42/events", bearer(Tokens.user("43"))), 403, "forbidden");
    assertError(node.http.get("/api/v1/channels/user:42/events"), 401, "unauthorized");
    assertThat(node.http.get("/api/v1/channels/role:admin/events", bearer(Tokens.user("7", "admin"))).status()).isEqualTo(200);
    assertError(node.http.get("/api/v1/channels/role:admin/events", bearer(Tokens.user("7", "investor"))), 403, "forbidden");
    // an API key may do everything
    assertThat(node.http.get("/api/v1/channels/user:42/events", key()).status()).isEqualTo(200);
  }

  @Test
  void healthAndConsoleAreServed() {
    assertThat(node.http.get("/health/live").status()).isEqualTo(200);
    Response ready = node.http.get("/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getJsonObject("checks").getString("db")).isEqualTo("up");
    Response console = node.http.get("/");
    assertThat(console.status()).isEqualTo(200);
    assertThat(console.body()).contains("Herald is running").contains("/eventbus");
  }

  static void assertError(Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.errorCode()).isEqualTo(code);
    assertThat(r.json().getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
