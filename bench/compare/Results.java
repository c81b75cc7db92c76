import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The JSON of one measured window, and the ratios between targets measured on the same case. */
final class Results {

  private Results() {
  }

  /** calm[i]: second i of the window was undisturbed by the disk. */
  static JsonObject of(Target target, int connections, double windowS, Publisher pub, long[] publishLatency,
      List<Recorder.Snapshot> snaps, JsonObject cpu, boolean[] calm) {
    int n = snaps.stream().mapToInt(s -> s.latencies().length).sum();
    long[] all = new long[n];
    long[] undisturbed = new long[n];
    int u = 0;
    int k = 0;
    long arrived = 0;
    long errors = 0;
    String lastError = null;
    for (Recorder.Snapshot s : snaps) {
      System.arraycopy(s.latencies(), 0, all, k, s.latencies().length);
      k += s.latencies().length;
      for (int i = 0; i < s.latencies().length; i++) {
        int second = s.seconds()[i];
        if (second >= 0 && second < calm.length && calm[second]) {
          undisturbed[u++] = s.latencies()[i];
        }
      }
      arrived += s.arrivedInWindow();
      errors += s.errors();
      lastError = s.lastError() != null ? s.lastError() : lastError;
    }
    double perDelivery = arrived == 0 ? 0 : 1e6 / arrived;
    JsonObject j = new JsonObject()
        .put("target", target.name())
        .put("connections", connections)
        .put("delivered_per_s", Stats.round(arrived / windowS, 0))
        .put("deliver_ms", Stats.latencyMs(all))
        .put("undisturbed_seconds", new JsonObject()
            .put("definition", "seconds in which, and in the second before which, no disk probe fsync took over "
                + DiskProbe.CALM_NANOS / 1_000_000 + " ms; deliveries of the events scheduled in them")
            .put("seconds", IntStream.range(0, calm.length).filter(i -> calm[i]).count())
            .put("deliver_ms", Stats.latencyMs(Arrays.copyOf(undisturbed, u))))
        .put("publish_ms", Stats.latencyMs(publishLatency))
        .put("cpu_us_per_delivery", Stats.round(cpu.getDouble("server_s") * perDelivery, 2))
        .put("cpu_us_per_delivery_without_db", Stats.round(cpu.getDouble("server_without_db_s") * perDelivery, 2))
        .put("generator_us_per_delivery", Stats.round(cpu.getDouble("generator_cores") * windowS * perDelivery, 2))
        .put("cpu", cpu)
        .put("publishes", new JsonObject().put("sent", pub.sent).put("ok", pub.ok).put("failed", pub.failed)
            .put("dropped_far_behind", pub.skipped).put("last_error", pub.lastError()))
        .put("expected_deliveries_in_window", pub.expectedInWindow)
        .put("received_deliveries_in_window", n)
        // not arrived within the wait after the window (late or lost: a stalled server shows here)
        .put("missing", Math.max(0, pub.expectedInWindow - n))
        .put("extra", Math.max(0, n - pub.expectedInWindow))
        .put("subscriber_errors", errors);
    if (lastError != null) {
      j.put("last_subscriber_error", lastError);
    }
    return j;
  }

  /**
   * For each case (same "case" key), the ratio of every target's CPU per delivery and p99 to the
   * others': e.g. herald/socketio 0.6 means Herald used 60 % of Socket.IO's CPU per delivery.
   */
  static JsonArray ratios(List<JsonObject> results, List<String[]> pairs) {
    JsonArray out = new JsonArray();
    Map<String, List<JsonObject>> byCase = results.stream()
        .collect(Collectors.groupingBy(r -> r.getString("case"), java.util.LinkedHashMap::new, Collectors.toList()));
    byCase.forEach((name, rs) -> {
      Map<String, JsonObject> byTarget = rs.stream().collect(Collectors.toMap(r -> r.getString("target"), Function.identity(), (a, b) -> b));
      JsonObject c = new JsonObject().put("case", name);
      for (String[] pair : pairs) {
        JsonObject a = byTarget.get(pair[0]);
        JsonObject b = byTarget.get(pair[1]);
        if (a != null && b != null) {
          c.put(pair[0] + "/" + pair[1], new JsonObject()
              .put("cpu_us_per_delivery", ratio(a.getDouble("cpu_us_per_delivery"), b.getDouble("cpu_us_per_delivery")))
              .put("cpu_us_per_delivery_without_db",
                  ratio(a.getDouble("cpu_us_per_delivery_without_db"), b.getDouble("cpu_us_per_delivery_without_db")))
              .put("p50", ratio(percentile(a, "p50"), percentile(b, "p50")))
              .put("p99", ratio(percentile(a, "p99"), percentile(b, "p99"))));
        }
      }
      out.add(c);
    });
    return out;
  }

  private static Double percentile(JsonObject r, String which) {
    return r.getJsonObject("deliver_ms").getDouble(which);
  }

  private static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : Stats.round(a / b, 3);
  }
}
