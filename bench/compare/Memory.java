import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.List;

/**
 * Scenario 3, memory per connection: a fresh server process per measurement; a few hundred
 * connections opened and closed first (so that the classes and pools of the connect path are in
 * the baseline), then heap after GC and RSS with no client, then N idle connections each subscribed
 * to one shared channel, heap after GC and RSS again. Per connection = difference / N.
 */
final class Memory {

  static final int WARM_CONNECTIONS = 300;
  static final long IDLE_MS = 3000;

  private Memory() {
  }

  static JsonObject run(Bench bench) throws Exception {
    List<Integer> sizes = bench.quick ? List.of(1000, 2000) : List.of(5000, 10_000);
    JsonArray results = new JsonArray();
    for (Servers.Kind kind : bench.protocols.keySet()) {
      for (int n : sizes) {
        results.add(Bench.orError(kind, () -> measure(bench, kind, n)));
      }
    }
    return new JsonObject()
        .put("what", "heap after a full GC and RSS per idle connection with one subscription (a shared channel), "
            + "fresh server process per measurement: (with N connections - with none) / N")
        .put("results", results);
  }

  private static JsonObject measure(Bench bench, Servers.Kind kind, int n) throws Exception {
    Servers.Server server = bench.servers.start(kind);
    try {
      Target target = bench.target(server);
      List<List<String>> channels = Collections.nCopies(n, List.of("memory"));
      try (Session warm = new Session(bench.loops, target)) {
        warm.open(channels.subList(0, WARM_CONNECTIONS), null);
      }
      Thread.sleep(IDLE_MS); // the server sees the warm-up connections close
      Footprint empty = Footprint.of(server);
      try (Session session = new Session(bench.loops, target)) {
        session.open(channels, null);
        Thread.sleep(IDLE_MS);
        Footprint loaded = Footprint.of(server);
        long heap = (loaded.heapBytes() - empty.heapBytes()) / n;
        long rss = (loaded.rssBytes() - empty.rssBytes()) / n;
        Log.info(String.format("memory: %s, %,d connections: %,d B heap, %,d B RSS per connection", target.name(), n, heap, rss));
        return new JsonObject().put("target", target.name()).put("connections", n)
            .put("heap_per_connection_bytes", heap).put("rss_per_connection_bytes", rss)
            .put("without_connections", empty.json()).put("with_connections", loaded.json())
            .put("load_average", Machine.loadAverage());
      }
    } finally {
      bench.servers.stop(server, false);
    }
  }
}
