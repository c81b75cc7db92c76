package dev.herald.journal;

import dev.herald.core.HeraldException;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A transaction of {@link Journal#transact}: its connection for the writer's own statements, and
 * appends that commit with them. Used by one writer at a time, in order.
 */
public final class Transaction {

  private final SqlConnection conn;
  private final Journal journal;
  private final List<Event> appended = new ArrayList<>();
  private final List<Runnable> afterCommit = new ArrayList<>();

  Transaction(SqlConnection conn, Journal journal) {
    this.conn = conn;
    this.journal = journal;
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
      return append(check(events));
    } catch (HeraldException refused) {
      return Future.failedFuture(refused);
    }
  }

  /**
   * Stores the events whose client-given ids (per channel) are not stored yet, as {@link #append}
   * does, and returns those it stored: a writer that derives its ids from its input (a webhook's
   * transaction hash) commits each event once however often the input comes. A concurrent
   * transaction storing the same id makes this one fail as retryable, and {@link Journal#transact}
   * runs it again, when the lookup finds it.
   */
  public Future<List<Event>> appendOnce(List<NewEvent> events) {
    return Journal.existing(conn, events).compose(stored -> {
      Set<String> seen = new HashSet<>();
      stored.forEach(e -> seen.add(e.channel() + '\u0000' + e.id()));
      List<NewEvent> fresh = new ArrayList<>();
      for (NewEvent e : events) {
        if (!e.clientId() || seen.add(e.channel() + '\u0000' + e.id())) {
          fresh.add(e);
        }
      }
      return fresh.isEmpty() ? Future.succeededFuture(List.of()) : append(fresh);
    });
  }

  /** Stores events {@link #check} has checked, and runs the hooks on them with what they read. */
  public Future<List<Event>> append(CheckedEvents events) {
    Future<List<Event>> stored = new AppendStatement(events.events(), Instant.now().truncatedTo(ChronoUnit.MILLIS)).execute(conn);
    return journal.runHooks(conn, stored, events.readings()).map(after -> {
      appended.addAll(stored.result());
      afterCommit.addAll(after);
      return stored.result();
    });
  }

  /**
   * The hooks' checks alone (as {@link #append} runs them): a writer that puts several units of work
   * in one transaction learns which unit's events a hook refuses (a HeraldException), before
   * appending the others'; it appends what this returns.
   */
  public CheckedEvents check(List<NewEvent> events) {
    return journal.check(events);
  }

  List<Event> appended() {
    return appended;
  }

  List<Runnable> afterCommit() {
    return afterCommit;
  }
}
