package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token-bucket limits per socket and per user (node-local), configured per namespace: chat ships
 * with 100 publishes per 60 s per user, which REST and the bridge share; API keys are servers and
 * are not held to it. Register churn and inbound frames are limited where configured, and a socket
 * that keeps breaking the limits is closed as abusive (1008).
 */
class RateLimitsTest {

  static final int FRAMES_PER_SOCKET = 300;
  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject namespaces = new JsonObject()
        .put("churn", new JsonObject().put("subscribe", "anyone")
            .put("limits", new JsonObject().put("subscribe", new JsonObject().put("perSocket", "10/1h"))))
        .put("crowd", new JsonObject().put("subscribe", "authenticated")
            .put("limits", new JsonObject().put("subscribe", new JsonObject().put("perUser", "15/1h"))))
        .put("strict", new JsonObject().put("subscribe", "anyone")
            .put("limits", new JsonObject().put("subscribe", new JsonObject().put("perSocket", "1/1h"))));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", namespaces)
        .put("limits", new JsonObject().put("framesPerSocket", FRAMES_PER_SOCKET + "/1h")));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void chatAllowsAUser100PublishesPer60sOnTheBridgeAndRestTogetherButNotAnApiKey() throws Exception {
    String alice = Tokens.user("alice");
    try (BridgeClient a = node.bridge(alice); BridgeClient b = node.bridge(Tokens.user("bob"))) {
      long started = System.nanoTime();
      JsonObject refused = null;
      int accepted = 0;
      while (refused == null && accepted < 300) {
        JsonObject reply = a.request("herald.publish", message("chat:limits", accepted));
        if ("rec".equals(reply.getString("type"))) {
          accepted++;
        } else {
          refused = reply;
        }
      }
      // a token bucket of 100, refilled at 100 per 60 s while the publishes ran
      double refilled = (System.nanoTime() - started) / 1e9 * 100 / 60;
      assertThat(accepted).isBetween(100, 100 + (int) Math.ceil(refilled));
      assertThat(refused).isNotNull();
      assertThat(refused.getInteger("failureCode")).isEqualTo(429);
      assertThat(refused.getString("message")).startsWith("rate_limited: ").containsPattern("retry in \\d+ s");
      assertThat(refused.getLong("retryAfter")).as("when to retry, in seconds, as REST's Retry-After").isBetween(1L, 60L);

      // REST shares the user's bucket: refused at once, or after what refilled meanwhile
      HttpResponse<String> rest = null;
      for (int i = 0; i < 3 && (rest == null || rest.statusCode() != 429); i++) {
        rest = post("/api/v1/channels/chat:limits/events", message("chat:limits", 200 + i).encode(),
            "Authorization", "Bearer " + alice);
      }
      assertThat(rest.statusCode()).isEqualTo(429);
      assertThat(new JsonObject(rest.body()).getJsonObject("error").getString("code")).isEqualTo("rate_limited");
      assertThat(Long.parseLong(rest.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);

      // another user has a bucket of its own
      assertThat(b.request("herald.publish", message("chat:limits", 0)).getString("type")).isEqualTo("rec");
    }
    for (int i = 0; i < 150; i++) {
      assertThat(node.http.publish("chat:limits", "message", new JsonObject().put("n", i)).status()).isEqualTo(201);
    }
  }

  @Test
  void registerChurnIsLimitedPerSocketWhereConfigured() {
    try (BridgeClient client = node.bridge()) {
      for (int i = 0; i < 10; i++) {
        client.subscribe("churn:" + i);
        client.unregister("churn:" + i);
      }
      client.register("churn:10");
      JsonObject err = client.nextErr();
      assertThat(err.getString("address")).isEqualTo("churn:10");
      assertThat(err.getInteger("failureCode")).isEqualTo(429);
      assertThat(err.getString("message")).startsWith("rate_limited: ");
    }
    try (BridgeClient fresh = node.bridge()) {
      fresh.subscribe("churn:fresh"); // the limit is per socket
    }
  }

  @Test
  void registersAreLimitedPerUserAcrossItsSockets() {
    String carol = Tokens.user("carol");
    try (BridgeClient one = node.bridge(carol); BridgeClient two = node.bridge(carol);
        BridgeClient dave = node.bridge(Tokens.user("dave"))) {
      for (int i = 0; i < 8; i++) {
        one.subscribe("crowd:one-" + i);
      }
      for (int i = 0; i < 7; i++) {
        two.subscribe("crowd:two-" + i);
      }
      two.register("crowd:too-many");
      JsonObject err = two.nextErr();
      assertThat(err.getString("address")).isEqualTo("crowd:too-many");
      assertThat(err.getInteger("failureCode")).isEqualTo(429);
      dave.subscribe("crowd:dave");
    }
  }

  @Test
  void inboundFramesAreLimitedPerSocketWhereConfigured() {
    try (BridgeClient client = node.bridge()) {
      for (int i = 0; i < FRAMES_PER_SOCKET; i++) {
        client.sendRaw("{\"type\":\"ping\"}");
      }
      JsonObject refused = client.request("herald.history", new JsonObject().put("channel", "market:x"));
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(429);
      assertThat(refused.getString("message")).startsWith("rate_limited: ");
    }
  }

  @Test
  void aSocketThatKeepsBreakingTheLimitsIsClosedAsAbusive() {
    try (BridgeClient client = node.bridge()) {
      client.subscribe("strict:0");
      try {
        for (int i = 1; i <= 60; i++) { // more 429s than the default violations rate (50 per 10 s) allows
          client.register("strict:" + i);
        }
      } catch (Exception closedMeanwhile) { // await() rethrows the write's IOException as it is
        // the node closed the socket before the client was done: what this test expects
      }
      assertThat(client.nextErr().getInteger("failureCode")).isEqualTo(429);
      // closed by the node: with 1008, or abnormally (1006, no close frame) when the client's late
      // writes reset the connection before the close frame was read
      assertThat(client.closeStatus()).isIn((short) 1008, (short) 1006, null);
    }
  }

  static JsonObject message(String channel, int n) {
    return new JsonObject().put("channel", channel).put("type", "message").put("data", new JsonObject().put("n", n));
  }

  static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
