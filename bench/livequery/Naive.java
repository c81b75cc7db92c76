import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The peer of the evaluation scenario: what an app does by hand without live queries, re-running
 * every one of its N queries in SQL after each write, here against the same PostgreSQL and the
 * documents Herald stored (the GIN index on body answers {@code body @> '{"owner":"u<q>"}'}). One
 * JDBC connection, a prepared statement, every row read. The table is analysed first, so that the
 * planner knows what Herald just wrote (the report carries the plan it chose). Cost per write:
 * PostgreSQL's CPU (postmaster and backends) plus this client's, over the writes done in the time
 * allowed (at N = 10,000 only a few: say so).
 */
final class Naive {

  static final String SQL = "SELECT body FROM documents WHERE collection = ? AND body @> ?::text::jsonb";

  private Naive() {
  }

  static JsonObject run(LiveQueryBench.Opts o, int n, List<Cpu.Proc> procs) throws SQLException {
    List<Cpu.Proc> db = procs.stream().filter(Cpu.Proc::db).toList();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + o.pgPort + "/postgres", "postgres", "postgres");
        PreparedStatement ps = c.prepareStatement(SQL)) {
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE documents");
      }
      String plan = plan(c);
      long rows = 0;
      for (int w = 0; w < 3; w++) { // the statement gets server-prepared, both JITs see the loop
        rows += rerun(ps, Math.min(n, 500));
      }
      Map<String, Long> cpu0 = Cpu.sample(db);
      long t0 = System.nanoTime();
      long deadline = t0 + (long) (o.naiveS * 1e9);
      int writes = 0;
      rows = 0;
      do {
        rows += rerun(ps, n);
        writes++;
      } while (writes < o.naiveMaxWrites && System.nanoTime() < deadline);
      double wallS = (System.nanoTime() - t0) / 1e9;
      JsonObject cpu = Cpu.diff(db, cpu0, Cpu.sample(db), wallS);
      double seconds = cpu.getDouble("server_s") + cpu.getDouble("generator_cores") * wallS;
      JsonObject r = new JsonObject()
          .put("queries_per_write", n)
          .put("writes", writes)
          .put("limits", "as many writes as fit in " + o.naiveS + " s, at most " + o.naiveMaxWrites)
          .put("rows_per_write", Stats.round((double) rows / writes, 1))
          .put("wall_s", Stats.round(wallS, 2))
          .put("wall_ms_per_write", Stats.round(wallS / writes * 1e3, 2))
          .put("us_per_write", Stats.round(seconds / writes * 1e6, 1))
          .put("postgres_us_per_write", Stats.round(cpu.getDouble("server_s") / writes * 1e6, 1))
          .put("client_us_per_write", Stats.round(cpu.getDouble("generator_cores") * wallS / writes * 1e6, 1))
          .put("sql", SQL)
          .put("plan_of_one_query", plan)
          .put("cpu", cpu);
      Log.info(String.format("  naive N=%d: %d writes, %.1f ms wall and %.0f µs CPU (PostgreSQL + client) per write", n, writes,
          r.getDouble("wall_ms_per_write"), r.getDouble("us_per_write")));
      return r;
    }
  }

  private static String plan(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + SQL)) {
      ps.setString(1, Latency.COLLECTION);
      ps.setString(2, "{\"owner\":\"u0\"}");
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  /** The N queries once, every row read; returns the rows. */
  private static long rerun(PreparedStatement ps, int n) throws SQLException {
    long rows = 0;
    for (int q = 0; q < n; q++) {
      ps.setString(1, Latency.COLLECTION);
      ps.setString(2, "{\"owner\":\"u" + q + "\"}");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getString(1);
          rows++;
        }
      }
    }
    return rows;
  }
}
