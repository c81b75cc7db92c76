package dev.herald.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * Work that must commit or roll back together with an append (aggregates, say). It runs inside the
 * append transaction, after the events are inserted; what it returns is handed to
 * {@link #committed} once the transaction has committed.
 */
public interface CommitHook {

  /** Whether an event of this type on this channel gives the hook work; appends nobody cares about skip the transaction. */
  boolean concerns(String channel, String type);

  Future<Object> inTransaction(SqlConnection conn, List<Event> fresh);

  /** After commit, with what {@link #inTransaction} returned (null when the append stored nothing new). */
  void committed(Object result);
}
