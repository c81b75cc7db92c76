import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * One PostgreSQL for all nodes of a benchmark run: the embedded PostgreSQL that ships inside
 * herald.jar (zonky), started on a free port with its data in the given directory. Prints
 * {@code DB_URL=postgresql://...} once it accepts connections, then runs until the JVM is
 * terminated (SIGTERM stops PostgreSQL through zonky's shutdown hook).
 *
 * <pre>java -cp target/herald.jar bench/presence/BenchDb.java /tmp/some-dir</pre>
 */
public class BenchDb {

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"), "pg");
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(true)
        .setServerConfig("max_connections", "100")
        .start();
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE herald_bench");
    }
    System.out.println("DB_URL=postgresql://postgres:postgres@127.0.0.1:" + pg.getPort() + "/herald_bench");
    System.out.flush();
    Thread.currentThread().join(); // until SIGTERM
  }
}
