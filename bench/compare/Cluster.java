import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 6: the fan-out scenario on a 2-node Herald cluster, publishing on node 1: with all
 * subscribers on node 1 (no delivery crosses nodes), all on node 2 (every delivery crosses: the
 * publisher and its subscribers on different nodes) and split evenly over both. The ratios
 * remote/local and split/local are the cross-node overhead, in latency (p50, p99) and in CPU,
 * which counts both JVMs and the shared PostgreSQL. The lowest rate is there for latency: the
 * others put the two cores near saturation, where waits for a CPU dominate the tail.
 */
final class Cluster {

  private Cluster() {
  }

  static JsonObject run(Bench bench) throws Exception {
    Target cluster = bench.targets.get("cluster");
    if (cluster == null) {
      return new JsonObject().put("skipped", "no --cluster servers given");
    }
    List<Integer> subscribers = bench.quick ? List.of(1000) : List.of(2000);
    List<Integer> rates = bench.quick ? List.of(5_000, 25_000) : List.of(5_000, 25_000, 50_000);
    Target local = cluster.withWsPorts("herald-cluster-local", cluster.wsPorts().subList(0, 1));
    Target remote = cluster.withWsPorts("herald-cluster-remote", cluster.wsPorts().subList(1, 2));
    Target split = cluster.withWsPorts("herald-cluster-split", cluster.wsPorts());
    List<JsonObject> results = new ArrayList<>();
    for (Target t : List.of(local, remote, split)) {
      results.addAll(Fanout.cases(bench, t, "cluster", subscribers, rates));
    }
    return new JsonObject()
        .put("what", "fan-out on 2 Herald nodes sharing one PostgreSQL; publishes on node 1; subscribers all on "
            + "node 1 (local), all on node 2 (remote) or alternating over both (split)")
        .put("results", results)
        .put("ratios", Results.ratios(results, List.<String[]>of(new String[] {"herald-cluster-remote", "herald-cluster-local"},
            new String[] {"herald-cluster-split", "herald-cluster-local"})));
  }
}
