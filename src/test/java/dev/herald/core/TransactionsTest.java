package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transactions whose BEGIN is pipelined with their statements: they commit what succeeds, roll back
 * what fails, report the statement that failed (not the "transaction is aborted" of the statements
 * pipelined behind it: the journal retries on what that failure is), and give the connection back.
 */
class TransactionsTest {

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1)) // one connection: a transaction that kept it would hang the next
        .connectingTo(PgConnectOptions.fromUri(TestDatabase.create()).setPipeliningLimit(256))
        .using(vertx)
        .build();
    await(pool.query("CREATE TABLE t (k text PRIMARY KEY)").execute());
  }

  @AfterAll
  static void stop() throws Exception {
    await(pool.close());
    await(vertx.close());
  }

  @Test
  void commitsWhatTheWorkWrote() throws Exception {
    String written = await(Transactions.run(pool, conn -> conn.preparedQuery("INSERT INTO t VALUES ($1)").execute(Tuple.of("a"))
        .compose(v -> conn.preparedQuery("SELECT k FROM t WHERE k = $1").execute(Tuple.of("a")))
        .map(rows -> rows.iterator().next().getString(0))));
    assertThat(written).isEqualTo("a");
    assertThat(keys("a")).isEqualTo(1);
  }

  @Test
  void rollsBackWhenTheWorkFailsAfterWriting() throws Exception {
    Throwable failure = failure(Transactions.run(pool, conn -> conn.preparedQuery("INSERT INTO t VALUES ($1)").execute(Tuple.of("b"))
        .compose(v -> Future.failedFuture(new IllegalStateException("changed my mind")))));
    assertThat(failure).hasMessage("changed my mind");
    assertThat(keys("b")).isZero();
  }

  @Test
  void reportsTheStatementThatFailedNotTheOnesPipelinedBehindIt() throws Exception {
    await(pool.query("INSERT INTO t VALUES ('dup')").execute());
    Throwable failure = failure(Transactions.run(pool, conn -> {
      Future<?> first = conn.preparedQuery("INSERT INTO t VALUES ($1)").execute(Tuple.of("dup"));
      Future<?> second = conn.preparedQuery("INSERT INTO t VALUES ($1)").execute(Tuple.of("c"));
      return first.compose(v -> second);
    }));
    assertThat(failure).isInstanceOf(PgException.class);
    assertThat(((PgException) failure).getSqlState()).isEqualTo("23505");
    assertThat(keys("c")).isZero();
  }

  @Test
  void aWorkThatThrowsRollsBackToo() throws Exception {
    Throwable failure = failure(Transactions.run(pool, conn -> {
      conn.preparedQuery("INSERT INTO t VALUES ($1)").execute(Tuple.of("d"));
      throw new IllegalArgumentException("bug");
    }));
    assertThat(failure).hasMessage("bug");
    assertThat(keys("d")).isZero();
  }

  private static long keys(String k) throws Exception {
    Row row = await(pool.preparedQuery("SELECT count(*) FROM t WHERE k = $1").execute(Tuple.of(k))).iterator().next();
    return row.getLong(0);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
