package dev.herald.core;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.TransactionRollbackException;
import java.util.function.Function;

/**
 * Transactions whose BEGIN goes out together with their first statements. {@code Pool.withTransaction}
 * waits for BEGIN's answer before it runs the work: a round trip on the event loop and in
 * PostgreSQL, spent while the commits queued behind this one wait (the group commits hold channel
 * rows and aggregates). The connection pipelines commands, and PostgreSQL runs them in order, so
 * nothing needs that answer: a failed BEGIN fails the statements after it, and the transaction.
 */
public final class Transactions {

  private Transactions() {
  }

  /** Runs the work in a transaction: committed when its future succeeds, rolled back when it fails. */
  public static <T> Future<T> run(Pool pool, Function<SqlConnection, Future<T>> work) {
    return pool.getConnection().compose(conn -> {
      var begun = conn.begin();
      Future<T> done;
      try {
        done = work.apply(conn);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      Future<T> result = done;
      return begun
          .compose(tx -> result.compose(
              value -> tx.commit().map(value),
              failure -> failure instanceof TransactionRollbackException ? Future.failedFuture(failure)
                  : tx.rollback().transform(ignored -> Future.<T>failedFuture(failure))))
          .andThen(ar -> conn.close());
    });
  }
}
