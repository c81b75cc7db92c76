import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 6: the fan-out scenario on a 2-node Herald cluster, publishing on node 1. Once with all
 * subscribers on node 1 (no delivery crosses nodes) and once split evenly over both nodes; the
 * ratio split/local is the cross-node overhead. CPU counts both JVMs and the shared PostgreSQL.
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
    List<Integer> rates = bench.quick ? List.of(25_000) : List.of(25_000, 50_000);
    Target local = cluster.withWsPorts("herald-cluster-local", cluster.wsPorts().subList(0, 1));
    Target split = cluster.withWsPorts("herald-cluster-split", cluster.wsPorts());
    List<JsonObject> results = new ArrayList<>();
    results.addAll(Fanout.cases(bench, local, "cluster", subscribers, rates));
    results.addAll(Fanout.cases(bench, split, "cluster", subscribers, rates));
    return new JsonObject()
        .put("what", "fan-out on 2 Herald nodes sharing one PostgreSQL; publishes on node 1; subscribers all on "
            + "node 1 (local) or alternating over both (split)")
        .put("results", results)
        .put("ratios", Results.ratios(results,
            List.<String[]>of(new String[] {"herald-cluster-split", "herald-cluster-local"})));
  }
}
