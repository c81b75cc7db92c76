import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 2: N connections, each in its own user channel ({@code user:{id}}; on Herald with a JWT
 * whose sub is id) plus one channel shared by all. Mixed publishes: a few per second to the shared
 * channel (each reaching every connection) and many to single users (each reaching one).
 */
final class ManyChannels {

  static final double SHARED_PER_S = 4;
  static final double USER_PER_S = 1000;

  private ManyChannels() {
  }

  static JsonObject run(Bench bench) throws Exception {
    int n = bench.quick ? 1000 : 5000;
    List<List<String>> channels = new ArrayList<>();
    List<String> users = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      channels.add(List.of("user:" + i, "shared"));
      users.add(Integer.toString(i));
    }
    // user publishes walk the users in a scattered order (7919 is prime, so all are reached)
    List<Publisher.Stream> streams = List.of(
        new Publisher.Stream(SHARED_PER_S, i -> "shared", n),
        new Publisher.Stream(USER_PER_S, i -> "user:" + (i * 7919 % n), 1));
    double offered = SHARED_PER_S * n + USER_PER_S;
    List<JsonObject> results = new ArrayList<>();
    for (Target target : bench.singleNode()) {
      Log.info("channels: " + target.name() + ", " + n + " connections, each in user:{id} + shared");
      try (Session session = new Session(bench.loops, target)) {
        session.open(channels, users);
        // a load unlike fan-out's (a durable publish per delivery): a full warm-up for every server,
        // Node included, whose compiler threads the generator cannot tell apart
        JsonObject r = session.measure(streams, bench.warmupS("channels " + target.name()), bench.measureS());
        r.put("case", n + " connections, " + (int) offered + "/s").put("connections", n)
            .put("offered_deliveries_per_s", offered)
            .put("publishes_per_s", new JsonObject().put("shared", SHARED_PER_S).put("user", USER_PER_S));
        Log.info("  => " + Summary.line(r));
        results.add(r);
      }
    }
    return new JsonObject()
        .put("what", n + " connections, each subscribed to its own user channel and one shared channel; "
            + SHARED_PER_S + " publishes/s to the shared channel, " + USER_PER_S + "/s to single users")
        .put("results", results)
        .put("ratios", Results.ratios(results, Fanout.PAIRS));
  }
}
