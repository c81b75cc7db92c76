package dev.herald.journal;

import dev.herald.core.HeraldException;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A transaction of {@link Journal#transact}: its connection for the writer's own statements, and
 * appends that commit with them. Used by one writer at a time, in order.
 */
public final class Transaction {

  private final SqlConnection conn;
  private final Consumer<NewEvent> check;
  private final BiFunction<SqlConnection, List<Event>, Future<List<Runnable>>> hooks;
  private final List<Event> appended = new ArrayList<>();
  private final List<Runnable> afterCommit = new ArrayList<>();

  Transaction(SqlConnection conn, Consumer<NewEvent> check, BiFunction<SqlConnection, List<Event>, Future<List<Runnable>>> hooks) {
    this.conn = conn;
    this.check = check;
    this.hooks = hooks;
  }

  public SqlConnection connection() {
    return conn;
  }

  /**
   * Stores the events (with server-made ids: no idempotency lookup) and runs the hooks on them. The
   * hooks check each event first, as for {@link Journal#append}: one they cannot take fails the
   * transaction with their refusal (a 400 naming the field), nothing of it stored.
   */
  public Future<List<Event>> append(List<NewEvent> events) {
    try {
      check(events);
    } catch (HeraldException refused) {
      return Future.failedFuture(refused);
    }
    return new AppendStatement(events, Instant.now().truncatedTo(ChronoUnit.MILLIS)).execute(conn)
        .compose(stored -> hooks.apply(conn, stored).map(after -> {
          appended.addAll(stored);
          afterCommit.addAll(after);
          return stored;
        }));
  }

  /**
   * The hooks' checks alone (as {@link #append} runs them): a writer that puts several units of work
   * in one transaction learns which unit's events a hook refuses (a HeraldException), before
   * appending the others'.
   */
  public void check(List<NewEvent> events) {
    events.forEach(check);
  }

  List<Event> appended() {
    return appended;
  }

  List<Runnable> afterCommit() {
    return afterCommit;
  }
}
