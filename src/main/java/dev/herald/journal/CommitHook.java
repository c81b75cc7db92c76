package dev.herald.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * Work that must commit or roll back together with an append (aggregates, say). It runs inside the
 * append transaction, after the events are inserted; what it returns is handed to
 * {@link #committed} once the transaction has committed.
 *
 * @param <R> what the work inside the transaction produces for after the commit
 */
public interface CommitHook<R> {

  /** Whether an event of this type on this channel gives the hook work; appends nobody cares about skip the transaction. */
  boolean concerns(String channel, String type);

  /**
   * Refuses, before anything is queued or stored, an event of the hook's concern that its work could
   * not take (a value it cannot keep): throws a HeraldException (4xx) naming the field, which fails
   * that append alone. By default every event is fine.
   */
  default void check(NewEvent event) {
  }

  Future<R> inTransaction(SqlConnection conn, List<Event> fresh);

  /** After commit, with what {@link #inTransaction} returned for that transaction. */
  void committed(R result);
}
