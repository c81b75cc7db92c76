import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/** Percentiles of latency samples (nanoseconds in, milliseconds out) and rounding. */
final class Stats {

  private Stats() {
  }

  static JsonObject latencyMs(long[] nanos) {
    long[] v = nanos.clone();
    Arrays.sort(v);
    JsonObject j = new JsonObject().put("count", v.length);
    if (v.length == 0) {
      return j;
    }
    return j.put("p50", ms(at(v, 0.50))).put("p90", ms(at(v, 0.90))).put("p99", ms(at(v, 0.99)))
        .put("p999", ms(at(v, 0.999))).put("max", ms(v[v.length - 1]));
  }

  private static long at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static double ms(long nanos) {
    return round(nanos / 1e6, 3);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
