import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Scenario 1: one channel, N subscribers, publishes at a fixed rate so that publishes/s x N is the
 * offered deliveries/s. Same cases for every server.
 */
final class Fanout {

  static final List<String[]> PAIRS = List.of(new String[] {"herald", "socketio"}, new String[] {"herald", "raw"},
      new String[] {"socketio", "raw"});

  private Fanout() {
  }

  static JsonObject run(Bench bench) throws Exception {
    List<Integer> subscribers = bench.quick ? List.of(1000) : List.of(1000, 2000);
    List<Integer> rates = bench.quick ? List.of(25_000) : List.of(25_000, 50_000);
    List<JsonObject> results = new ArrayList<>();
    for (Target target : bench.singleNode()) {
      results.addAll(cases(bench, target, target.name(), subscribers, rates));
    }
    return new JsonObject()
        .put("what", "1 channel, N subscribers, open-loop publishes at offered deliveries/s / N per second; "
            + "payload {t, p: 64 chars}")
        .put("results", results)
        .put("ratios", Results.ratios(results, PAIRS));
  }

  /** Every (subscribers, rate) case against one target; the channel is fresh per subscriber count. */
  static List<JsonObject> cases(Bench bench, Target target, String process, List<Integer> subscribers, List<Integer> rates)
      throws Exception {
    List<JsonObject> results = new ArrayList<>();
    for (int n : subscribers) {
      String channel = "fanout-" + target.name() + "-" + n;
      Log.info("fanout: " + target.name() + ", " + n + " subscribers on " + target.protocol().channel(channel));
      try (Session session = new Session(bench.loops, target)) {
        session.open(Collections.nCopies(n, List.of(channel)), null);
        for (int rate : rates) {
          Log.info("fanout: " + target.name() + ", " + n + " subscribers, offered " + rate + " deliveries/s");
          double perSecond = (double) rate / n;
          JsonObject r = session.measure(List.of(new Publisher.Stream(perSecond, i -> channel, n)),
              bench.warmupS(process), bench.measureS());
          r.put("case", n + " subscribers @ " + rate + "/s").put("subscribers", n)
              .put("offered_deliveries_per_s", rate).put("publishes_per_s", Stats.round(perSecond, 2));
          Log.info("  => " + Summary.line(r));
          results.add(r);
        }
      }
    }
    return results;
  }
}
