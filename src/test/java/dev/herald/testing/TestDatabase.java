package dev.herald.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** One real embedded PostgreSQL per test JVM; each test class gets a fresh database in it. */
public final class TestDatabase {

  private static EmbeddedPostgres server;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestDatabase() {
  }

  /** Creates an empty database and returns its URL in the form HERALD_DB_URL takes. */
  public static synchronized String create() {
    try {
      if (server == null) {
        server = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            server.close();
          } catch (IOException ignored) {
            // the JVM is going away anyway
          }
        }));
      }
      String name = "herald_test_" + COUNTER.incrementAndGet();
      try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + name);
      }
      return "postgresql://postgres:postgres@localhost:" + server.getPort() + "/" + name;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JDBC connection to a database {@link #create} made, for tests that write behind Herald's back. */
  public static Connection connect(String dbUrl) throws SQLException {
    java.net.URI uri = java.net.URI.create(dbUrl);
    String[] user = uri.getUserInfo().split(":", 2);
    return java.sql.DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(),
        user[0], user[1]);
  }
}
