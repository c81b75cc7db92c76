package dev.herald.bridge;

import static dev.herald.testing.Envelopes.data;
import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The bridge contract on one node, driven over the raw WebSocket endpoint as a browser would. */
class BridgeTest extends OneNodeTest {

  @Test
  void registeredSocketReceivesLiveEventsInEnvelopes() {
    try (BridgeClient client = node.bridge()) {
      client.subscribe("sales");
      node.http.publish("sales", "purchase.completed", new JsonObject().put("batchCount", 3));
      JsonObject body = client.deliveries("sales", 1).get(0);
      assertThat(body.getString("channel")).isEqualTo("sales");
      assertThat(body.getString("type")).isEqualTo("purchase.completed");
      assertThat(data(body).getInteger("batchCount")).isEqualTo(3);
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("channel", "seq", "id", "type", "data", "ts");
    }
  }

  @Test
  void idsTypesAndDataThatNeedEscapingArriveIntactLiveInReceiptsAndInHistory() {
    // control characters may not be in ids and types (issue 14: they are refused up front), only in data
    String id = "quote\" backslash\\ </script> line separator\u2028 é ✓";
    String type = "type \"with\" \\ and \u2029";
    JsonObject data = new JsonObject().put("text", "</script>\"\\\u2028 newline\n tab\t bell\u0007 \u0001")
        .put("nested", new JsonObject().put("n", 1.5));
    JsonObject event = new JsonObject().put("id", id).put("type", type).put("data", data);
    try (BridgeClient client = node.bridge()) {
      client.subscribe("market:escapes");
      JsonObject receipt = node.http.post("/api/v1/channels/market:escapes/events", event,
          "X-Api-Key", TestNode.API_KEY).json();
      assertThat(receipt.getString("id")).isEqualTo(id);
      JsonObject live = client.deliveries("market:escapes", 1).get(0);
      JsonObject stored = node.http.get("/api/v1/channels/market:escapes/events").json().getJsonArray("events").getJsonObject(0);
      for (JsonObject envelope : List.of(live, stored)) {
        assertThat(envelope.getString("id")).isEqualTo(id);
        assertThat(envelope.getString("type")).isEqualTo(type);
        assertThat(envelope.getJsonObject("data")).isEqualTo(data);
      }
    }
  }

  @Test
  void pingIsAnsweredOnAnySocketSoAClientCanTellQuietFromDead() {
    try (BridgeClient anonymous = node.bridge(); BridgeClient sockJs = BridgeClient.connectSockJs(node.port)) {
      assertThat(anonymous.request("herald.ping", new JsonObject()).getJsonObject("body")).isEqualTo(new JsonObject().put("pong", true));
      assertThat(sockJs.request("herald.ping", new JsonObject()).getJsonObject("body")).isEqualTo(new JsonObject().put("pong", true));
    }
  }

  @Test
  void socketsThatOfferDeflateAreAnsweredWithoutItAndGetTheSameDeliveries() {
    // browsers offer permessage-deflate; Herald declines it (every socket gets the node's pre-built
    // frame, no zlib state per connection), and both kinds of socket see the same envelopes in order
    try (BridgeClient plain = node.bridge(); BridgeClient deflate = BridgeClient.connectWithCompression(node.port)) {
      assertThat(deflate.negotiatedExtensions()).isNull();
      plain.subscribe("market:wire");
      deflate.subscribe("market:wire");
      for (int i = 1; i <= 50; i++) {
        node.http.publish("market:wire", "tick", "é".repeat(i * 3)); // multi-byte UTF-8
      }
      node.http.publish("market:wire", "tick", "a".repeat(65_000)); // a frame over 64 KiB: 8-byte length
      List<JsonObject> a = plain.deliveries("market:wire", 51);
      List<JsonObject> b = deflate.deliveries("market:wire", 51);
      assertThat(a).isEqualTo(b);
      assertThat(seqs(a)).containsExactlyElementsOf(LongStream.rangeClosed(1, 51).boxed().toList());
      assertThat(a.get(49).getString("data")).isEqualTo("é".repeat(150));
      assertThat(a.get(50).getString("data")).hasSize(65_000);
    }
  }

  @Test
  void sinceReplaysStoredEventsThenContinuesLiveWithoutGapOrDuplicate() throws Exception {
    String channel = "market:resume";
    for (int i = 1; i <= 40; i++) {
      node.http.publish(channel, "listing", i);
    }
    // keep publishing while the subscriber replays, so the seam is crossed under load
    CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
      for (int i = 41; i <= 200; i++) {
        node.http.publish(channel, "listing", i);
      }
    });
    try (BridgeClient client = node.bridge()) {
      client.register(channel, new JsonObject().put("since", "10")); // headers are strings in Vert.x clients
      List<JsonObject> got = client.deliveries(channel, 190);
      publisher.get();
      assertThat(seqs(got)).containsExactlyElementsOf(LongStream.rangeClosed(11, 200).boxed().toList());
      assertThat(got.stream().map(b -> b.getInteger("data")).toList())
          .containsExactlyElementsOf(LongStream.rangeClosed(11, 200).mapToObj(l -> (int) l).toList());
      assertNoMoreDeliveries(client, channel);
    }
  }

  @Test
  void numericSinceAndSinceBeyondHeadAreAccepted() {
    String channel = "market:numeric";
    for (int i = 1; i <= 5; i++) {
      node.http.publish(channel, "n", i);
    }
    try (BridgeClient client = node.bridge()) {
      client.register(channel, new JsonObject().put("since", 3));
      assertThat(seqs(client.deliveries(channel, 2))).containsExactly(4L, 5L);
      node.http.publish(channel, "n", 6);
      assertThat(client.deliveries(channel, 1).get(0).getLong("seq")).isEqualTo(6);
    }
  }

  @Test
  void browserPublishFollowsNamespaceRules() {
    String alice = Tokens.user("alice");
    try (BridgeClient client = node.bridge(alice)) {
      client.subscribe("chat:room1");
      JsonObject reply = client.request("herald.publish",
          new JsonObject().put("channel", "chat:room1").put("type", "message").put("data", new JsonObject().put("text", "hi")));
      assertThat(reply.getString("type")).isEqualTo("rec");
      JsonObject receipt = reply.getJsonObject("body");
      assertThat(receipt.getString("channel")).isEqualTo("chat:room1");
      assertThat(receipt.getLong("seq")).isEqualTo(1);
      assertThat(data(client.deliveries("chat:room1", 1).get(0)).getString("text")).isEqualTo("hi");

      JsonObject denied = client.request("herald.publish", new JsonObject().put("channel", "news").put("type", "t"));
      assertErr(denied, 403, "forbidden");
    }
    try (BridgeClient anonymous = node.bridge()) {
      assertErr(anonymous.request("herald.publish", new JsonObject().put("channel", "chat:room1").put("type", "t")),
          401, "unauthorized");
    }
  }

  @Test
  void historyServiceRepliesWithEventsAndHead() {
    for (int i = 1; i <= 7; i++) {
      node.http.publish("market:hist", "n", i);
    }
    try (BridgeClient client = node.bridge()) {
      JsonObject reply = client.request("herald.history",
          new JsonObject().put("channel", "market:hist").put("since", 2).put("limit", 3)).getJsonObject("body");
      assertThat(reply.getLong("lastSeq")).isEqualTo(7);
      assertThat(seqs(reply.getJsonArray("events"))).containsExactly(3L, 4L, 5L);
      assertErr(client.request("herald.history", new JsonObject().put("channel", "market:hist").put("limit", 5000)),
          400, "invalid_limit");
    }
  }

  @Test
  void errorsAreFramesAddressedAsTheContractSaysAndTheSocketStaysOpen() {
    try (BridgeClient client = node.bridge()) {
      client.sendRaw("this is not json");
      assertErr(client.nextErr(), 400, "invalid_json");

      client.register("bad channel!");
      JsonObject badChannel = client.nextErr();
      assertThat(badChannel.getString("address")).isEqualTo("bad channel!");
      assertErr(badChannel, 400, "invalid_channel");

      client.register("news"); // default namespace needs a token
      JsonObject needsToken = client.nextErr();
      assertThat(needsToken.getString("address")).isEqualTo("news");
      assertErr(needsToken, 401, "unauthorized");

      client.register("market:x", new JsonObject().put("since", "soon"));
      assertErr(client.nextErr(), 400, "invalid_since");

      JsonObject unknown = client.request("herald.nothing", new JsonObject());
      assertErr(unknown, 404, "not_found");

      client.sendRaw("{\"type\":\"send\",\"address\":\"herald.publish\",\"replyAddress\":\"r1\",\"body\":[1]}");
      JsonObject badBody = client.next(f -> "r1".equals(f.getString("address")));
      assertErr(badBody, 400, "invalid_body");

      client.sendRaw("{\"type\":\"send\",\"address\":\"herald.publish\",\"replyAddress\":\"r2\",\"body\":{\"channel\":\"market:x\",\"type\":\"t\",\"data\":\""
          + "x".repeat(70_000) + "\"}}");
      assertErr(client.next(f -> "r2".equals(f.getString("address"))), 413, "too_large"); // answered where the client waits

      // still open and serving
      client.subscribe("market:after-errors");
      node.http.publish("market:after-errors", "ok", 1);
      assertThat(client.deliveries("market:after-errors", 1)).hasSize(1);
    }
  }

  @Test
  void urlTokenFrameTokenAndAuthRefreshSetTheIdentity() {
    try (BridgeClient withUrlToken = node.bridge(Tokens.user("42"))) {
      withUrlToken.subscribe("user:42");
      node.http.publish("user:42", "notify", "for 42");
      assertThat(withUrlToken.deliveries("user:42", 1).get(0).getString("data")).isEqualTo("for 42");
      withUrlToken.register("user:43");
      assertErr(withUrlToken.nextErr(), 403, "forbidden");
    }
    try (BridgeClient anonymous = node.bridge()) {
      anonymous.subscribe("role:admin", new JsonObject().put("token", Tokens.user("9", "admin")));
      node.http.publish("role:admin", "alert", "low stock");
      assertThat(anonymous.deliveries("role:admin", 1)).hasSize(1);

      assertErr(anonymous.request("herald.auth", new JsonObject().put("token", Tokens.expired("5"))), 401, "unauthorized");
      JsonObject ok = anonymous.request("herald.auth", new JsonObject().put("token", Tokens.user("5"))).getJsonObject("body");
      assertThat(ok.getBoolean("ok")).isTrue();
      anonymous.subscribe("user:5");
    }
    try (BridgeClient forged = node.bridge(Tokens.algNone("1"))) {
      JsonObject err = forged.nextErr();
      assertErr(err, 401, "unauthorized");
      assertThat(err.containsKey("address")).isFalse();
    }
  }

  @Test
  void unregisterStopsDeliveries() {
    try (BridgeClient client = node.bridge()) {
      client.subscribe("market:leave");
      client.unregister("market:leave");
      Eventually.equal(() -> node.herald.hub().subscriberCount("market:leave").await(), 0);
      node.http.publish("market:leave", "after", 1);
      // a second subscriber proves the event went out; the first must not have it
      try (BridgeClient other = node.bridge()) {
        other.register("market:leave", new JsonObject().put("since", 0));
        assertThat(other.deliveries("market:leave", 1)).hasSize(1);
      }
      assertNoMoreDeliveries(client, "market:leave");
    }
  }

  @Test
  void closingASocketLeavesEachOfItsChannelsAndNoOtherSubscription() {
    try (BridgeClient stays = node.bridge()) {
      stays.subscribe("market:close-b");
      BridgeClient leaves = node.bridge();
      for (String channel : List.of("market:close-a", "market:close-b", "market:close-c")) {
        leaves.subscribe(channel);
      }
      assertThat(node.herald.hub().subscriberCount("market:close-b").await()).isEqualTo(2);
      leaves.close();
      Eventually.equal(() -> List.of("market:close-a", "market:close-b", "market:close-c").stream()
          .map(channel -> node.herald.hub().subscriberCount(channel).await()).toList(), List.of(0, 1, 0));
      node.http.publish("market:close-b", "tick", "still here");
      assertThat(stays.deliveries("market:close-b", 1)).hasSize(1);
    }
  }

  static void assertNoMoreDeliveries(BridgeClient client, String channel) {
    // a later event on another channel, delivered to the same socket, bounds the wait
    client.subscribe("market:fence");
    node.http.publish("market:fence", "fence", 0);
    client.deliveries("market:fence", 1);
    assertThat(client.pending()).noneMatch(f -> channel.equals(f.getString("address")));
  }

  static void assertErr(JsonObject frame, int code, String errorCode) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("err");
    assertThat(frame.getInteger("failureCode")).as(frame.encode()).isEqualTo(code);
    assertThat(frame.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
    assertThat(frame.getString("message")).startsWith(errorCode + ": ");
  }

}
