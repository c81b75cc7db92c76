package dev.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * /metrics shows an operator what the node is doing, in Prometheus's text format: its sockets by
 * transport, channels and subscriptions, events in and frames out, publish → commit and commit →
 * deliver latency histograms, rate-limit refusals, its database pool, the JVM; every family with
 * a help text.
 */
class MetricsTest {

  @Test
  void metricsCountWhatTheNodeServesInPrometheusTextWithHelpForEveryFamily() {
    JsonObject config = new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("tight", new JsonObject().put("subscribe", "anyone")
            .put("limits", new JsonObject().put("publish", new JsonObject().put("apiKeys", "3/1h")))));
    try (TestNode node = TestNode.start(config);
        BridgeClient raw = node.bridge();
        BridgeClient sockJs = BridgeClient.connectSockJs(node.port)) {
      raw.subscribe("tight:room");
      sockJs.subscribe("tight:room");
      for (int i = 1; i <= 3; i++) {
        assertThat(node.http.publish("tight:room", "n", i).status()).isEqualTo(201);
      }
      raw.deliveries("tight:room", 3);
      sockJs.deliveries("tight:room", 3);
      assertThat(node.http.publish("tight:room", "n", 4).status()).isEqualTo(429);

      Http.Response metrics = node.http.get("/metrics");
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.header("Content-Type")).startsWith("text/plain");
      String text = metrics.body();
      assertThat(value(text, "herald_connections{transport=\"websocket\"}")).isEqualTo(1);
      assertThat(value(text, "herald_connections{transport=\"sockjs-websocket\"}")).isEqualTo(1);
      assertThat(value(text, "herald_connections{transport=\"sockjs-http\"}")).isZero();
      assertThat(value(text, "herald_channels")).isEqualTo(1);
      assertThat(value(text, "herald_subscriptions")).isEqualTo(2);
      assertThat(value(text, "herald_events_published_total")).isEqualTo(3);
      assertThat(value(text, "herald_deliveries_total")).isGreaterThanOrEqualTo(6);
      assertThat(value(text, "herald_publish_commit_seconds_count")).isEqualTo(3);
      assertThat(value(text, "herald_commit_deliver_seconds_count")).isEqualTo(3);
      assertThat(text).contains("herald_publish_commit_seconds_bucket{le=", "herald_commit_deliver_seconds_bucket{le=");
      assertThat(value(text, "herald_rate_limited_total{api=\"rest\"}")).isEqualTo(1);
      assertThat(value(text, "herald_rate_limited_total{api=\"bridge\"}")).isZero();
      assertThat(value(text, "herald_slow_consumers_total")).isZero();
      assertThat(value(text, "herald_db_pool_max")).isEqualTo(8);
      assertThat(value(text, "herald_db_pool_connections")).isBetween(1.0, 8.0);
      assertThat(text).contains("jvm_memory_used_bytes{", "jvm_gc_", "process_cpu_usage", "jvm_threads_live_threads");
      assertThat(familiesWithoutHelp(text)).isEmpty();
    }
  }

  /** The sample's value; fails when the line is missing. */
  private static double value(String text, String sample) {
    Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as("a line for %s in%n%s", sample, text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static List<String> familiesWithoutHelp(String text) {
    List<String> missing = new ArrayList<>();
    Matcher types = Pattern.compile("^# TYPE (\\S+) ", Pattern.MULTILINE).matcher(text);
    while (types.find()) {
      Matcher help = Pattern.compile("^# HELP " + Pattern.quote(types.group(1)) + " \\S", Pattern.MULTILINE).matcher(text);
      if (!help.find()) {
        missing.add(types.group(1));
      }
    }
    return missing;
  }
}
