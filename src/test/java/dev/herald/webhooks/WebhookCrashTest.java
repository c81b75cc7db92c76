package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Chainhook;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node process killed (SIGKILL) the moment it has answered a delivery: the delivery and its
 * events were committed before the answer, so a node started on the same database has them all,
 * and the sender's retry of the same delivery is answered from the store with no second effect.
 */
class WebhookCrashTest {

  @Test
  void aDeliveryAnsweredBeforeTheKillIsAllThereAfterIt() throws Exception {
    String db = TestDatabase.create();
    String block = Chainhook.fixture();
    Map<String, String> env = Map.of("HERALD_DB_URL", db, "HERALD_JWT_SECRET", TestNode.JWT_SECRET,
        "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_GATEWAY_INSTANCES", "1",
        "HERALD_WEBHOOK_CHAINHOOK_SECRET", WebhooksTest.CHAINHOOK_SECRET);
    try (HeraldProcess doomed = HeraldProcess.start(env)) {
      HttpResponse<String> answered = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + doomed.port + "/api/v1/webhooks/chainhook"))
          .header("X-Signature", Chainhook.signature(WebhooksTest.CHAINHOOK_SECRET, block)).header("X-Delivery-Id", "crash-1")
          .POST(HttpRequest.BodyPublishers.ofString(block)).build(), HttpResponse.BodyHandlers.ofString());
      doomed.kill();
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
      assertThat(new JsonObject(answered.body()).getInteger("events")).isEqualTo(8);
    }
    try (TestNode after = TestNode.start(Map.of("HERALD_WEBHOOK_CHAINHOOK_SECRET", WebhooksTest.CHAINHOOK_SECRET),
        new JsonObject().put("dbUrl", db))) {
      assertThat(after.http.get("/api/v1/channels/market/events").json().getJsonArray("events")).hasSize(2);
      assertThat(after.http.get("/api/v1/channels/stream:41/events", "X-Api-Key", TestNode.API_KEY).json()
          .getJsonArray("events")).hasSize(1);
      Http.Response retried = new Http(after.port).post("/api/v1/webhooks/chainhook", block,
          "X-Signature", Chainhook.signature(WebhooksTest.CHAINHOOK_SECRET, block), "X-Delivery-Id", "crash-1");
      assertThat(retried.json().getBoolean("repeat")).as(retried.body()).isTrue();
      assertThat(after.http.get("/api/v1/channels/market/events").json().getJsonArray("events")).hasSize(2);
    }
  }
}
