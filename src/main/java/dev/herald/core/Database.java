package dev.herald.core;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where events live: an external PostgreSQL (HERALD_DB_URL, shared by the nodes of a cluster) or,
 * by default, an embedded one whose data stays in {dataDir}/pg across restarts, one per data dir and
 * none outliving its node ({@link EmbeddedPostgresGuard}). Flyway migrates the schema at start
 * (blocking, once); all runtime queries go through the reactive pool.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final EmbeddedPostgres embedded;
  private final EmbeddedPostgresGuard guard;
  private final PgConnectOptions connect;

  private Database(EmbeddedPostgres embedded, EmbeddedPostgresGuard guard, PgConnectOptions connect) {
    this.embedded = embedded;
    this.guard = guard;
    this.connect = connect;
  }

  /**
   * Blocking: starts the embedded server if needed and runs migrations. Call off the event loop.
   * Fails with a {@link StartupFailure} that says what to do, having stopped what it started.
   */
  public static Database open(HeraldConfig config) {
    if (config.dbUrl() != null) {
      Database db = new Database(null, null, connectOptions(config.dbUrl()));
      db.migrate("check HERALD_DB_URL, and that PostgreSQL runs there");
      return db;
    }
    Database db = startEmbedded(Path.of(config.dataDir()));
    try {
      db.migrate("check the data dir, or set HERALD_DATA_DIR to another directory");
      return db;
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** The parser's message is not passed on: it may quote the URL, password included. */
  private static PgConnectOptions connectOptions(String url) {
    try {
      return PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new StartupFailure("HERALD_DB_URL is not a PostgreSQL URL",
          "write it as postgresql://user:password@host:port/database", null);
    }
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

  /** Names the database by host, port and name only: the URL may hold a password. */
  private void migrate(String remedy) {
    String where = connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
    try {
      Flyway.configure()
          .dataSource("jdbc:postgresql://" + where, connect.getUser(), connect.getPassword())
          .locations("classpath:db/migration")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw unreachable(e)
          ? new StartupFailure("cannot reach the database at " + where + ": " + StartupFailure.rootMessage(e), remedy, e)
          : new StartupFailure("the database at " + where + " failed the schema migration: " + e.getMessage().lines()
              .findFirst().orElse(""), remedy, e);
    }
  }

  private static boolean unreachable(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || cause instanceof UnknownHostException
          || cause instanceof NoRouteToHostException || cause instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static Database startEmbedded(Path dataDir) {
    EmbeddedPostgresGuard guard = EmbeddedPostgresGuard.claim(dataDir);
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(guard.pgDir())
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "200")
          // The embedded launcher starts postgres with -F (fsync off), which a test database may
          // afford but an event store may not: a commit Herald acknowledged must survive a crash
          // of the machine, not only of the process. -c fsync=on comes later and wins.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .start();
      guard.watch();
      LOG.info("embedded PostgreSQL on port {} with data in {}", pg.getPort(), guard.pgDir());
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost").setPort(pg.getPort())
          .setUser("postgres").setPassword("postgres").setDatabase("postgres");
      return new Database(pg, guard, options);
    } catch (IOException | RuntimeException e) {
      guard.close();
      throw new StartupFailure("the embedded PostgreSQL did not start in " + guard.pgDir() + ": " + e.getMessage(),
          "set HERALD_DATA_DIR to another directory, or HERALD_DB_URL to an external PostgreSQL", e);
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
      guard.close();
    }
  }
}
