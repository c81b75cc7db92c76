import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where PostgreSQL's client backends spend a window: every 10 ms, pg_stat_activity's busy backends
 * (not idle) by state and wait event. "active" without a wait event is running (CPU), "idle in
 * transaction" is a transaction waiting for its client's next statement, Lock:* is waiting for a
 * row or transaction lock, IO:WALSync the commit's flush. The report gives the mean number of
 * backends in each, so a serialising lock shows as about one backend active and the rest waiting.
 */
final class PgWaits extends Thread {

  private static final String SQL = "SELECT state || ' / ' || coalesce(wait_event_type || ':' || wait_event, 'no wait event'), "
      + "count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state <> 'idle' "
      + "AND pid <> pg_backend_pid() GROUP BY 1";

  private final int port;
  private final long from;
  private final long to;
  private final Map<String, Long> counts = new TreeMap<>();
  private long samples;
  private volatile String error;

  /** Samples between the given System.nanoTime()s. */
  PgWaits(int port, long from, long to) {
    super("pg-waits");
    setDaemon(true);
    this.port = port;
    this.from = from;
    this.to = to;
  }

  @Override
  public void run() {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "postgres");
        Statement s = c.createStatement()) {
      Session.sleepUntil(from);
      for (long next = System.nanoTime(); next < to; next += 10_000_000L) {
        try (ResultSet rs = s.executeQuery(SQL)) {
          while (rs.next()) {
            counts.merge(rs.getString(1), rs.getLong(2), Long::sum);
          }
        }
        samples++;
        Session.sleepUntil(next + 10_000_000L);
      }
    } catch (Exception e) {
      error = e.toString();
    }
  }

  JsonObject toJson() throws InterruptedException {
    join(Math.max(1, (to - System.nanoTime()) / 1_000_000) + 5_000);
    JsonObject mean = new JsonObject();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> mean.put(e.getKey(), Stats.round((double) e.getValue() / Math.max(1, samples), 3)));
    JsonObject j = new JsonObject()
        .put("definition", "pg_stat_activity every 10 ms during the window: mean number of client backends (all nodes' pools) "
            + "in each state / wait event")
        .put("samples", samples)
        .put("mean_backends", mean);
    return error == null ? j : j.put("error", error);
  }
}
