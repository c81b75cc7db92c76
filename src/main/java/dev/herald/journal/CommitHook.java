package dev.herald.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * Work that must commit or roll back together with an append (aggregates, say). It runs inside the
 * append transaction, after the events are inserted; what it returns is handed to
 * {@link #committed} once the transaction has committed.
 *
 * @param <C> what the hook reads of an event when it checks it, handed back in the transaction
 * @param <R> what the work inside the transaction produces for after the commit
 */
public interface CommitHook<C, R> {

  /** Whether an event of this type on this channel gives the hook work; appends nobody cares about skip the transaction. */
  boolean concerns(String channel, String type);

  /**
   * Reads an event of the hook's concern before anything is queued or stored, and refuses one its
   * work could not take (a value it cannot keep): throws a HeraldException (4xx) naming the field,
   * which fails that append alone. What it returns comes back with the stored event in
   * {@link #inTransaction}: the work there, which holds locks other appends wait for, need not read
   * the event again.
   */
  C check(NewEvent event);

  /**
   * The hook's work in the append transaction, given what {@link #check} read of each fresh event
   * (null for one the hook does not concern), in the order they are stored. It starts while the
   * append is in flight: its statements go out right behind the append's (the connection pipelines
   * them, PostgreSQL runs them in order), as every wait on the database is time the channel rows
   * stay locked. {@code stored} gives the stored events (with their seqs) once the append has run;
   * when the append fails, so do the hook's statements, and the append's failure is the one reported.
   */
  Future<R> inTransaction(SqlConnection conn, List<C> readings, Future<List<Event>> stored);

  /** After commit, with what {@link #inTransaction} returned for that transaction. */
  void committed(R result);
}
