import io.vertx.core.json.JsonObject;

/** One line per measured window, for the progress log. */
final class Summary {

  private Summary() {
  }

  static String line(JsonObject r) {
    JsonObject lat = r.getJsonObject("deliver_ms");
    JsonObject cpu = r.getJsonObject("cpu");
    JsonObject disk = r.getJsonObject("disk_probe");
    JsonObject calm = r.getJsonObject("undisturbed_seconds");
    return String.format("%s: %,.0f deliveries/s, p50 %s ms, p99 %s ms (%s ms in %d undisturbed s), "
            + "server %.2f µs/delivery (%.2f without db), "
            + "server %.2f cores, generator %.2f cores, others %s cores, missing %d, disk fsync stalls over 50 ms %d (max %s ms)",
        r.getString("target"), r.getDouble("delivered_per_s"), lat.getValue("p50"), lat.getValue("p99"),
        calm.getJsonObject("deliver_ms").getValue("p99"), calm.getLong("seconds"),
        r.getDouble("cpu_us_per_delivery"), r.getDouble("cpu_us_per_delivery_without_db"),
        cpu.getDouble("server_cores"), cpu.getDouble("generator_cores"), cpu.getValue("everything_else_cores"),
        r.getLong("missing"), disk.getJsonArray("stalls_over_50ms").size(), disk.getJsonObject("fsync_ms").getValue("max"));
  }
}
