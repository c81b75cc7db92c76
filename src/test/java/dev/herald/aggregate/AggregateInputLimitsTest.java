package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an aggregate could not keep (a number JSON or PostgreSQL cannot hold, a key longer than an
 * index entry, a character PostgreSQL refuses) is answered with 400 naming the field, before anything
 * is stored: the aggregate is never poisoned, and publishes committed beside the bad ones succeed.
 */
class AggregateInputLimitsTest {

  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject aggregates = new JsonObject()
        .put("tags", new JsonObject().put("channels", new JsonArray().add("tags"))
            .put("groupBy", "data.tag")
            .put("fields", new JsonObject().put("n", "count()").put("users", "distinctCount(data.user)")));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("aggregates", aggregates));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aNumberBeyondTheBoundIsRefusedAndTheSaleAggregateKeepsWorking() {
    assertThat(purchase("p1", "3").status()).isEqualTo(201);
    for (String huge : List.of("1.7e308", "1.7e308", "-1.7e308", "1e999")) {
      Response refused = purchase(null, huge);
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.errorCode()).isEqualTo("invalid_event");
      assertThat(refused.json().getJsonObject("error").getString("message")).contains("data.batchCount");
    }
    // a whole number that fits, but whose tokens (x 700) overflow CEL's 64-bit integers
    Response overflow = purchase(null, String.valueOf(Long.MAX_VALUE / 100));
    assertThat(overflow.status()).isEqualTo(400);
    assertThat(overflow.json().getJsonObject("error").getString("message")).contains("totalTokensSold");

    assertThat(purchase("p2", "4").status()).isEqualTo(201);
    JsonObject values = node.http.get("/api/v1/aggregates/sales").json().getJsonObject("values");
    assertThat(values.getLong("totalBatchesSold")).isEqualTo(7);
    assertThat(values.getLong("totalTokensSold")).isEqualTo(4900);
    assertThat(values.getLong("remainingBatches")).isEqualTo(27893);

    JsonArray stored = node.http.get("/api/v1/channels/sales/events").json().getJsonArray("events");
    assertThat(stored).hasSize(2); // nothing of the refused ones

    Response recomputed = node.http.post("/api/v1/aggregates/sales/recompute", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(recomputed.status()).isEqualTo(200);
    assertThat(recomputed.json().getJsonObject("values")).isEqualTo(values);
    assertThat(purchase("p3", "1").status()).isEqualTo(201);
  }

  @Test
  void aCharacterPostgresqlCannotStoreInTheDataOfACountedEventIsRefused() {
    Response refused = node.http.post("/api/v1/channels/sales/events",
        "{\"type\":\"purchase.completed\",\"data\":{\"batchCount\":1,\"note\":\"a\\u0000b\"}}", "X-Api-Key", TestNode.API_KEY);
    assertThat(refused.status()).isEqualTo(400);
    // the check every publish passes first refuses it, naming data and where (aggregates never see it)
    assertThat(refused.json().getJsonObject("error").getString("message")).startsWith("data holds \\u0000 (at character ");
    Response lone = node.http.post("/api/v1/channels/sales/events",
        "{\"type\":\"purchase.completed\",\"data\":{\"batchCount\":1,\"note\":\"\\ud800\"}}", "X-Api-Key", TestNode.API_KEY);
    assertThat(lone.status()).isEqualTo(400);
    assertThat(lone.json().getJsonObject("error").getString("message")).startsWith("data holds an unpaired surrogate");
  }

  @Test
  void keysTooLongForAnIndexAreRefusedWhileThePublishesBesideThemCommit() throws Exception {
    String tooLong = random3k();
    List<CompletableFuture<Response>> good = new ArrayList<>();
    List<CompletableFuture<Response>> bad = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int n = i;
      good.add(CompletableFuture.supplyAsync(() -> tag("fine", "u" + n)));
      bad.add(CompletableFuture.supplyAsync(() -> n % 2 == 0 ? tag(tooLong + n, "u") : tag("fine", tooLong + n)));
    }
    CompletableFuture.allOf(good.toArray(new CompletableFuture[0])).get();
    CompletableFuture.allOf(bad.toArray(new CompletableFuture[0])).get();
    for (CompletableFuture<Response> r : good) {
      assertThat(r.get().status()).isEqualTo(201);
    }
    for (int i = 0; i < bad.size(); i++) {
      Response r = bad.get(i).get();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_event");
      assertThat(r.json().getJsonObject("error").getString("message")).contains(i % 2 == 0 ? "groupBy" : "users");
    }
    Response nul = tag("a\u0000b", "u");
    assertThat(nul.status()).isEqualTo(400);
    assertThat(nul.json().getJsonObject("error").getString("message")).startsWith("data holds \\u0000 (at character ");

    JsonObject tags = node.http.get("/api/v1/aggregates/tags", "X-Api-Key", TestNode.API_KEY).json();
    assertThat(tags.getJsonObject("values").getLong("n")).isEqualTo(20);
    assertThat(tags.getJsonObject("values").getLong("users")).isEqualTo(20);
    assertThat(tags.getJsonObject("groups").fieldNames()).containsExactly("fine");
  }

  @Test
  void aGroupNoRowCouldHaveIsAnsweredWith400WhenRead() {
    for (String group : List.of("a%00b", "x".repeat(1100))) {
      Response read = node.http.get("/api/v1/aggregates/tags?group=" + group, "X-Api-Key", TestNode.API_KEY);
      assertThat(read.status()).isEqualTo(400);
      assertThat(read.errorCode()).isEqualTo("invalid_group");
    }
    assertThat(node.http.get("/api/v1/aggregates/tags?group=none", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(200);
  }

  /** A purchase whose batchCount is the given JSON number text. */
  static Response purchase(String id, String batchCount) {
    String body = "{\"type\":\"purchase.completed\"," + (id == null ? "" : "\"id\":\"" + id + "\",")
        + "\"data\":{\"batchCount\":" + batchCount + "}}";
    return node.http.post("/api/v1/channels/sales/events", body, "X-Api-Key", TestNode.API_KEY);
  }

  static Response tag(String tag, String user) {
    return node.http.publish("tags", "tagged", new JsonObject().put("tag", tag).put("user", user));
  }

  /** 3 KB that do not compress: PostgreSQL cannot fit them in a B-tree entry (about 2.7 KB). */
  static String random3k() {
    byte[] bytes = new byte[2304];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
