package dev.herald.examples;

import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * examples/token-sale end to end: Herald started with the example's config, the example's app
 * server run with node, purchases made over its HTTP API, the bar watched over the bridge.
 */
class TokenSaleExampleTest {

  static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void purchasesFillTheBarAndTheGoalIsNeverOversold() throws Exception {
    Map<String, String> env = Map.of("HERALD_CONFIG", "examples/token-sale/herald.yaml",
        "HERALD_AGGREGATES_SALES_GOAL_TARGET", "30"); // a small goal, to reach it in a test
    Path log = Files.createTempFile(Path.of("target"), "token-sale-", ".log");
    try (TestNode herald = TestNode.start(env, new JsonObject().put("dbUrl", TestDatabase.create()));
        BridgeClient bar = herald.bridge()) {
      int port = TestNode.freePort();
      Process app = startApp(herald.port, port, log);
      try {
        bar.subscribe("agg:sales");
        bar.subscribe("sales");
        JsonObject start = data(bar.ephemeral("agg:sales", "aggregate.snapshot", WAIT));
        assertThat(start.getJsonObject("values").getLong("remainingBatches")).isEqualTo(30);

        Http shop = new Http(port);
        assertThat(shop.post("/purchases", new JsonObject().put("batchCount", 10).put("tier", "gold")).status()).isEqualTo(202);
        assertThat(shop.post("/purchases", new JsonObject().put("batchCount", 15).put("tier", "silver")).status()).isEqualTo(202);
        // 25 of 30 are pending payment: 6 more would oversell, 5 fit
        Http.Response refused = shop.post("/purchases", new JsonObject().put("batchCount", 6).put("tier", "gold"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("sold_out");
        assertThat(shop.post("/purchases", new JsonObject().put("batchCount", 5).put("tier", "bronze")).status()).isEqualTo(202);
        assertThat(shop.post("/purchases", new JsonObject().put("batchCount", 0).put("tier", "x")).status()).isEqualTo(400);

        List<JsonObject> toasts = bar.deliveries("sales", 6, WAIT); // 3 pending, then 3 completed
        assertThat(toasts.stream().filter(e -> e.getString("type").equals("purchase.completed")).count()).isEqualTo(3);
        Eventually.equal(() -> herald.http.get("/api/v1/aggregates/sales").json().getJsonObject("values")
            .getLong("totalBatchesSold"), 30L);
        JsonObject done = herald.http.get("/api/v1/aggregates/sales").json().getJsonObject("values");
        assertThat(done.getLong("totalTokensSold")).isEqualTo(30 * 700);
        assertThat(done.getLong("remainingBatches")).isZero();
        assertThat(done.getDouble("percentSold")).isEqualTo(100.0);
        assertThat(done.getJsonObject("latestPurchase").getString("tier")).isNotBlank();
        JsonObject last;
        do {
          last = data(bar.ephemeral("agg:sales", "aggregate.snapshot", WAIT));
        } while (last.getJsonObject("values").getLong("totalBatchesSold") < 30);
        assertThat(last.getJsonObject("values").getDouble("percentSold")).isEqualTo(100.0);
        assertThat(shop.post("/purchases", new JsonObject().put("batchCount", 1).put("tier", "late")).status()).isEqualTo(409);
      } finally {
        app.destroyForcibly();
      }
    }
  }

  static Process startApp(int heraldPort, int port, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder("node", "examples/token-sale/server.js")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(Map.of("HERALD_URL", "http://127.0.0.1:" + heraldPort, "HERALD_API_KEY", TestNode.API_KEY,
        "PORT", String.valueOf(port), "PAYMENT_DELAY_MS", "1500"));
    Process app = builder.start();
    Eventually.equal(() -> {
      try {
        return Files.readString(log).contains("listening");
      } catch (IOException e) {
        return false;
      }
    }, true);
    return app;
  }
}
