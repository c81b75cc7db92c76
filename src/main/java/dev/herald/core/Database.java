package dev.herald.core;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where events live: an external PostgreSQL (HERALD_DB_URL, shared by the nodes of a cluster) or,
 * by default, an embedded one whose data stays in {dataDir}/pg across restarts. Flyway migrates the
 * schema at start (blocking, once); all runtime queries go through the reactive pool.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connect;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connect) {
    this.embedded = embedded;
    this.connect = connect;
  }

  /** Blocking: starts the embedded server if needed and runs migrations. Call off the event loop. */
  public static Database open(HeraldConfig config) {
    Database db;
    if (config.dbUrl() != null) {
      db = new Database(null, PgConnectOptions.fromUri(config.dbUrl()));
    } else {
      db = startEmbedded(Path.of(config.dataDir()).resolve("pg"));
    }
    db.migrate();
    return db;
  }

  /**
   * A pool of {@code size} connections where at most {@code waitQueue} requests wait for one; beyond
   * that a request fails at once (ConnectionPoolTooBusyException, a 503 with Retry-After to the client)
   * instead of piling up in memory. Waits have no time limit: the bounded queue is what keeps them
   * short, and the pool's wait timer is buggy in vertx-sql-client 5.0 (issues 1567 and 1706: when it
   * races a grant, or fires after the queue already refused the request, it completes the request a
   * second time and logs "Promise already completed" / "Result is already complete").
   * Statements stay prepared on each connection: Herald runs a handful of fixed SQL texts, and
   * re-planning the append for every small commit cost PostgreSQL ~40 % more CPU per event.
   */
  public Pool createPool(Vertx vertx, int size, int waitQueue) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size).setMaxWaitQueueSize(waitQueue).setConnectionTimeout(0))
        .connectingTo(new PgConnectOptions(connect).setPipeliningLimit(256).setCachePreparedStatements(true))
        .using(vertx)
        .build();
  }

  private void migrate() {
    String jdbc = "jdbc:postgresql://" + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
    Flyway.configure()
        .dataSource(jdbc, connect.getUser(), connect.getPassword())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  private static Database startEmbedded(Path dir) {
    try {
      Files.createDirectories(dir);
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "200")
          // The embedded launcher starts postgres with -F (fsync off), which a test database may
          // afford but an event store may not: a commit Herald acknowledged must survive a crash
          // of the machine, not only of the process. -c fsync=on comes later and wins.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .start();
      LOG.info("embedded PostgreSQL on port {} with data in {}", pg.getPort(), dir.toAbsolutePath());
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost").setPort(pg.getPort())
          .setUser("postgres").setPassword("postgres").setDatabase("postgres");
      return new Database(pg, options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir, e);
    }
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly", e);
      }
    }
  }
}
