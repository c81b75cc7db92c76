package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Chainhook;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inbound webhooks as a sender and as an attacker see them: a signed chainhook delivery becomes
 * exactly the market, stream and wallet events of its block; a redelivery adds nothing; a rollback
 * emits the corrective events; a bad or missing signature, a stale timestamp or a body that is not
 * JSON is refused with nothing stored; an unroutable delivery is dead-lettered and replayed once
 * the routing is fixed.
 */
class WebhooksTest {

  static final String CHAINHOOK_SECRET = "chainhook-test-secret";
  static final String SELLER = "SP1HTBVD3JG9C05J7HBJTHGR0GGW7KXW28M5JS8QE";
  static final String SENDER = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7";
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  static String db;
  static TestNode node;

  static JsonObject sources(boolean fixedRules) {
    JsonArray rules = new JsonArray().add(new JsonObject().put("when", "payload.kind == 'order'")
        .put("channel", "'orders'").put("type", "'order.placed'").put("id", "payload.id")
        .put("upsert", new JsonObject().put("collection", "orders").put("id", "payload.id")
            .put("doc", "{'status': 'placed', 'kind': payload.kind}")));
    rules.add(new JsonObject().put("when", "payload.kind == 'bad'").put("channel", "'orders'").put("type", "'order.bad'")
        .put("id", "payload.id").put("upsert", new JsonObject().put("collection", "orders").put("id", "payload.id")
            .put("doc", "{'_reserved': 1}")));
    if (fixedRules) {
      rules.add(new JsonObject().put("when", "payload.kind == 'refund'")
          .put("channel", "'orders'").put("type", "'order.refunded'").put("id", "payload.id"));
    }
    return new JsonObject().put("collections", new JsonObject().put("orders", new JsonObject().put("read", "authenticated")))
        .put("webhooks", new JsonObject()
        .put("shop", new JsonObject().put("auth", "bearer").put("secret", "shop-secret").put("router", "rules").put("rules", rules))
        .put("stamped", new JsonObject().put("auth", "hmac").put("secret", "stamped-secret").put("requireTimestamp", true)
            .put("router", "rules").put("rules", new JsonArray().add(new JsonObject()
                .put("channel", "'stamped'").put("type", "'stamped'").put("id", "payload.id"))))
        .put("unset", new JsonObject().put("auth", "hmac").put("router", "rules")));
  }

  static TestNode start(boolean fixedRules) {
    return TestNode.start(Map.of("HERALD_WEBHOOK_CHAINHOOK_SECRET", CHAINHOOK_SECRET),
        sources(fixedRules).put("dbUrl", db));
  }

  @BeforeAll
  static void startNode() {
    db = TestDatabase.create();
    node = start(false);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  static Http.Response post(String source, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/v1/webhooks/" + source))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Http.Response(r.statusCode(), r.body(), r.headers());
  }

  static Http.Response chainhook(String body, String deliveryId) throws Exception {
    return post("chainhook", body, "X-Signature", Chainhook.signature(CHAINHOOK_SECRET, body), "X-Delivery-Id", deliveryId);
  }

  static List<String> events(String channel) {
    JsonArray events = node.http.get("/api/v1/channels/" + channel + "/events", "X-Api-Key", TestNode.API_KEY)
        .json().getJsonArray("events");
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(((JsonObject) e).getString("type") + " " + ((JsonObject) e).getString("id")));
    return out;
  }

  static JsonObject data(String channel, String id) {
    JsonArray events = node.http.get("/api/v1/channels/" + channel + "/events", "X-Api-Key", TestNode.API_KEY)
        .json().getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).filter(e -> e.getString("id").equals(id)).findFirst().orElseThrow()
        .getJsonObject("data");
  }

  @Test
  void theFixtureBecomesExactlyItsEventsOnceAndItsRollbackTheCorrectiveOnes() throws Exception {
    String block = Chainhook.fixture();
    String stream = "0x9f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
    String market = new JsonObject(block).getJsonArray("apply").getJsonObject(0).getJsonArray("transactions")
        .getJsonObject(1).getJsonObject("transaction_identifier").getString("hash");

    // an earlier block listed stream 38, which the fixture's block sells
    JsonObject earlier = new JsonObject(block);
    JsonObject listingTx = earlier.getJsonArray("apply").getJsonObject(0).getJsonArray("transactions").getJsonObject(1);
    listingTx.getJsonObject("transaction_identifier").put("hash", "0xearlier");
    JsonArray printed = listingTx.getJsonObject("metadata").getJsonObject("receipt").getJsonArray("events");
    printed.remove(1);
    printed.getJsonObject(0).getJsonObject("data").getJsonObject("value").put("stream-id", 38).put("price", 800000)
        .put("seller", SENDER);
    earlier.getJsonArray("apply").getJsonObject(0).getJsonArray("transactions").remove(0);
    assertThat(chainhook(earlier.encode(), "delivery-0").json().getInteger("events")).isEqualTo(2);
    JsonObject listed38 = listing("38");
    assertThat(listed38.getString("status")).isEqualTo("listed");

    try (BridgeClient browser = node.bridge()) {
      browser.subscribe("live:listings:feed");
      Http.Response first = chainhook(block, "delivery-1");
      assertThat(first.status()).as(first.body()).isEqualTo(200);
      assertThat(first.json().getString("status")).isEqualTo("routed");
      assertThat(first.json().getInteger("events")).isEqualTo(8);
      JsonObject appeared = browser.event("live:listings:feed", e -> "appear".equals(e.getString("type")));
      assertThat(appeared.getString("id")).as("the new listing appears in a live query").isEqualTo("41");
    }
    JsonObject listing41 = listing("41");
    assertThat(listing41.getString("status")).isEqualTo("listed");
    assertThat(listing41.getLong("price")).isEqualTo(1200000);
    assertThat(listing41.getString("seller")).isEqualTo(SELLER);
    JsonObject sold38 = listing("38");
    assertThat(sold38.getString("status")).isEqualTo("sold");
    assertThat(sold38.getString("buyer")).isEqualTo(SELLER);
    assertThat(sold38.getLong("price")).isEqualTo(900000);
    assertThat(events("market")).containsExactly("listing.created 0xearlier:0",
        "listing.created " + market + ":0", "listing.sold " + market + ":1");
    assertThat(events("stream:41")).containsExactly("stream.created " + stream + ":0");
    assertThat(events("user:" + SELLER)).containsExactly("stream.created " + stream + ":0",
        "listing.created " + market + ":0", "listing.sold " + market + ":1");
    assertThat(events("user:" + SENDER)).containsExactly("listing.created 0xearlier:0", "stream.created " + stream + ":0",
        "listing.sold " + market + ":1");
    JsonObject listed = data("market", market + ":0");
    assertThat(listed.getInteger("streamId")).isEqualTo(41);
    assertThat(listed.getLong("price")).isEqualTo(1200000);
    assertThat(listed.getString("seller")).isEqualTo(SELLER);
    assertThat(listed.getString("txId")).isEqualTo(market);

    Http.Response again = chainhook(block, "delivery-1");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().getBoolean("repeat")).isTrue();
    assertThat(again.json().getInteger("events")).as("the first result").isEqualTo(8);
    String otherBlock = block.replace("0x1a2b3c4d5e", "0x7777777777");
    Http.Response sameIdOtherBody = chainhook(otherBlock, "delivery-1");
    assertThat(sameIdOtherBody.json().getBoolean("repeat")).as("a delivery id seen before is not routed again").isTrue();
    assertThat(events("market")).as("whatever its body").hasSize(3);
    Http.Response sameBlockNewId = chainhook(block, "delivery-2");
    assertThat(sameBlockNewId.json().getInteger("events")).as("a redelivered block under a new id adds nothing").isZero();
    assertThat(events("market")).hasSize(3);
    assertThat(listing("41").getLong("_rev")).as("nor changes a listing twice").isEqualTo(1);

    JsonObject rollback = new JsonObject(block);
    rollback.put("rollback", rollback.getJsonArray("apply")).put("apply", new JsonArray());
    Http.Response reverted = chainhook(rollback.encode(), "delivery-3");
    assertThat(reverted.json().getInteger("events")).as(reverted.body()).isEqualTo(8);
    assertThat(events("market")).endsWith("listing.reverted " + market + ":0:reverted", "listing.reverted " + market + ":1:reverted");
    assertThat(events("stream:41")).endsWith("stream.reverted " + stream + ":0:reverted");
    JsonObject undone = data("market", market + ":1:reverted");
    assertThat(undone.getString("revertedId")).isEqualTo(market + ":1");
    assertThat(undone.getString("revertedType")).isEqualTo("listing.sold");
    assertThat(undone.getString("buyer")).isEqualTo(SELLER);
    assertThat(node.http.get(LISTINGS + "41").status()).as("listed in the rolled-back block: gone").isEqualTo(404);
    JsonObject restored = listing("38");
    listed38.remove("_rev");
    listed38.remove("_updatedAt");
    restored.remove("_rev");
    restored.remove("_updatedAt");
    assertThat(restored).as("sold in the rolled-back block: listed again, as before").isEqualTo(listed38);
    Http.Response rolledAgain = chainhook(rollback.encode(), "delivery-4");
    assertThat(rolledAgain.json().getInteger("events")).as("a rollback delivered twice undoes once").isZero();
    assertThat(listing("38").getString("status")).isEqualTo("listed");
  }

  static final String LISTINGS = "/api/v1/collections/listings/docs/";

  static JsonObject listing(String id) {
    Http.Response r = node.http.get(LISTINGS + id);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void aRuleUpsertingIntoAnUndeclaredCollectionStopsTheStart() {
    JsonObject conf = new JsonObject().put("dbUrl", db).put("webhooks", new JsonObject().put("typo", new JsonObject()
        .put("auth", "bearer").put("secret", "s").put("router", "rules").put("rules", new JsonArray().add(new JsonObject()
            .put("channel", "'x'").put("type", "'t'").put("upsert", new JsonObject().put("collection", "ordres")
                .put("id", "'a'").put("doc", "{}"))))));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestNode.start(conf))
        .hasMessageContaining("webhooks.typo: its rules upsert into collection ordres");
  }

  @Test
  void aDeliverySentManyTimesAtOnceTakesEffectOnce() throws Exception {
    String order = new JsonObject().put("kind", "order").put("id", "o-burst").encode();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/v1/webhooks/shop"))
          .header("Authorization", "Bearer shop-secret").header("X-Delivery-Id", "burst-1")
          .POST(HttpRequest.BodyPublishers.ofString(order)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    int first = 0;
    for (var f : sent) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      first += new JsonObject(r.body()).getBoolean("repeat") ? 0 : 1;
    }
    assertThat(first).as("exactly one of them is the delivery, the others repeats").isEqualTo(1);
    assertThat(events("orders").stream().filter(e -> e.endsWith(" o-burst")).count()).isEqualTo(1);
  }

  @Test
  void forgedStaleOrBrokenDeliveriesAreRefusedAndStoreNothing() throws Exception {
    String body = new JsonObject().put("apply", new JsonArray()).encode();
    Http.Response missing = post("chainhook", body, "X-Delivery-Id", "forged-1");
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.errorCode()).isEqualTo("missing_signature");
    Http.Response forged = post("chainhook", body, "X-Signature", Chainhook.signature("not-the-secret", body), "X-Delivery-Id", "forged-1");
    assertThat(forged.status()).isEqualTo(401);
    assertThat(forged.errorCode()).isEqualTo("bad_signature");
    Http.Response tampered = post("chainhook", body + " ", "X-Signature", Chainhook.signature(CHAINHOOK_SECRET, body), "X-Delivery-Id", "forged-1");
    assertThat(tampered.errorCode()).isEqualTo("bad_signature");

    String notJson = "{\"apply\": [";
    Http.Response broken = chainhook(notJson, "broken-1");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.errorCode()).isEqualTo("invalid_json");
    assertThat(chainhook("[1]", "broken-2").errorCode()).isEqualTo("invalid_payload");
    assertThat(chainhook("{\"apply\": [], \"x\": \"\\u0000\"}", "broken-3").errorCode()).isEqualTo("invalid_payload");
    // nothing was stored under those ids: the same ids with good bodies are fresh deliveries
    for (String id : List.of("forged-1", "broken-1", "broken-2")) {
      Http.Response good = chainhook(body, id);
      assertThat(good.status()).as(good.body()).isEqualTo(200);
      assertThat(good.json().getBoolean("repeat")).as(id).isFalse();
    }

    assertThat(post("nowhere", body).errorCode()).isEqualTo("unknown_source");
    assertThat(post("nowhere", body).status()).isEqualTo(404);
    assertThat(post("unset", body, "X-Signature", Chainhook.signature("anything", body)).errorCode()).as("a source without a secret is off").isEqualTo("unknown_source");

    String stamped = new JsonObject().put("id", "s-1").encode();
    long now = System.currentTimeMillis() / 1000;
    assertThat(post("stamped", stamped, "X-Signature", Chainhook.signature("stamped-secret", stamped)).errorCode()).isEqualTo("missing_timestamp");
    assertThat(post("stamped", stamped, "X-Signature", Chainhook.signature("stamped-secret", stamped), "X-Timestamp", String.valueOf(now - 600))
        .errorCode()).isEqualTo("stale_timestamp");
    assertThat(post("stamped", stamped, "X-Signature", Chainhook.signature("stamped-secret", stamped), "X-Timestamp", String.valueOf(now))
        .status()).isEqualTo(200);

    String order = new JsonObject().put("kind", "order").put("id", "o-1").encode();
    assertThat(post("shop", order, "Authorization", "Bearer wrong").errorCode()).isEqualTo("bad_signature");
    Http.Response placed = post("shop", order, "Authorization", "Bearer shop-secret");
    assertThat(placed.status()).as(placed.body()).isEqualTo(200);
    assertThat(events("orders")).contains("order.placed o-1");
    Http.Response upserted = node.http.get("/api/v1/collections/orders/docs/o-1", "X-Api-Key", TestNode.API_KEY);
    assertThat(upserted.status()).as("the rule's upsert, in the delivery's transaction").isEqualTo(200);
    assertThat(upserted.json().getString("status")).isEqualTo("placed");
  }

  @Test
  void anUnroutableDeliveryIsDeadLetteredAndReplayedOnceTheRoutingIsFixed() throws Exception {
    String refund = new JsonObject().put("kind", "refund").put("id", "r-1").encode();
    Http.Response failed = post("shop", refund, "Authorization", "Bearer shop-secret", "X-Delivery-Id", "refund-1");
    assertThat(failed.status()).isEqualTo(200);
    assertThat(failed.json().getString("status")).isEqualTo("failed");
    assertThat(failed.json().getString("reason")).isEqualTo("no rule of this source takes this payload");
    // a rule whose document the documents refuse: a dead letter too, and nothing of it stored
    Http.Response refused = post("shop", new JsonObject().put("kind", "bad").put("id", "b-1").encode(),
        "Authorization", "Bearer shop-secret", "X-Delivery-Id", "bad-1");
    assertThat(refused.status()).as(refused.body()).isEqualTo(200);
    assertThat(refused.json().getString("status")).isEqualTo("failed");
    assertThat(refused.json().getString("reason")).contains("_");
    assertThat(events("orders")).noneMatch(e -> e.startsWith("order.bad"));
    JsonArray letters = node.http.get("/api/v1/webhooks/shop/failed", "X-Api-Key", TestNode.API_KEY).json().getJsonArray("deliveries");
    assertThat(letters.stream().map(l -> ((JsonObject) l).getString("deliveryId")).toList()).containsExactly("refund-1", "bad-1");
    assertThat(node.http.get("/api/v1/webhooks/shop/failed").status()).isEqualTo(401);
    assertThat(node.http.get("/api/v1/webhooks/shop/failed?limit=5000", "X-Api-Key", TestNode.API_KEY).errorCode())
        .as("a page size out of range is refused, as everywhere else").isEqualTo("invalid_limit");
    Http.Response still = node.http.post("/api/v1/webhooks/shop/failed/refund-1/replay", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(still.status()).isEqualTo(422);

    node.close();
    node = start(true); // the operator adds a rule for refunds and restarts
    Http.Response replayed = node.http.post("/api/v1/webhooks/shop/failed/refund-1/replay", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(replayed.status()).as(replayed.body()).isEqualTo(200);
    assertThat(replayed.json().getString("status")).isEqualTo("routed");
    assertThat(events("orders")).contains("order.refunded r-1");
    assertThat(node.http.get("/api/v1/webhooks/shop/failed", "X-Api-Key", TestNode.API_KEY).json().getJsonArray("deliveries")
        .stream().map(l -> ((JsonObject) l).getString("deliveryId")).toList()).as("refund-1 routed now").containsExactly("bad-1");
    assertThat(node.http.post("/api/v1/webhooks/shop/failed/refund-1/replay", "{}", "X-Api-Key", TestNode.API_KEY).status())
        .as("routed now: nothing to replay").isEqualTo(404);
  }
}
