package dev.herald.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A transaction of {@link Journal#transact}: its connection for the writer's own statements, and
 * appends that commit with them. Used by one writer at a time, in order.
 */
public final class Transaction {

  private final SqlConnection conn;
  private final BiFunction<SqlConnection, List<Event>, Future<List<Runnable>>> hooks;
  private final List<Event> appended = new ArrayList<>();
  private final List<Runnable> afterCommit = new ArrayList<>();

  Transaction(SqlConnection conn, BiFunction<SqlConnection, List<Event>, Future<List<Runnable>>> hooks) {
    this.conn = conn;
    this.hooks = hooks;
  }

  public SqlConnection connection() {
    return conn;
  }

  /** Stores the events (with server-made ids: no idempotency lookup) and runs the hooks on them. */
  public Future<List<Event>> append(List<NewEvent> events) {
    return new AppendStatement(events, Instant.now().truncatedTo(ChronoUnit.MILLIS)).execute(conn)
        .compose(stored -> hooks.apply(conn, stored).map(after -> {
          appended.addAll(stored);
          afterCommit.addAll(after);
          return stored;
        }));
  }

  List<Event> appended() {
    return appended;
  }

  List<Runnable> afterCommit() {
    return afterCommit;
  }
}
