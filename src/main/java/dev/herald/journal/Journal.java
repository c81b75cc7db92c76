package dev.herald.journal;

import dev.herald.core.DatabaseErrors;
import dev.herald.core.HeraldException;
import dev.herald.core.OnContext;
import dev.herald.core.Transactions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable, ordered store of channel events.
 *
 * <p>Appends are group-committed: while one transaction is in flight, new appends queue up and the
 * next transaction takes all of them (up to {@link #MAX_BATCH_EVENTS}). Each append unit (one REST
 * call) is all-or-nothing because the whole group shares one transaction; a unit whose values
 * PostgreSQL refuses fails alone (see {@link #commit}). The per-channel row in
 * {@code channels} is locked for the increment, so seq stays gap-free across nodes; channels are
 * locked in name order so two nodes never deadlock. Committed events are handed to the listener in
 * commit order, which is when (and only when) they may be broadcast.
 */
public final class Journal implements History {

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  static final int MAX_BATCH_EVENTS = 2000;
  private static final int MAX_ATTEMPTS = 5;

  private final Pool pool;
  private final StoredHistory history;
  private final Consumer<List<Event>> onCommit;
  private final List<CommitHook<?, ?>> hooks = new CopyOnWriteArrayList<>();
  private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();
  private boolean flushing;
  private final AtomicLong commits = new AtomicLong();
  private final Counter published;
  private final Timer publishToCommit;

  public Journal(Pool pool, Consumer<List<Event>> onCommit, MeterRegistry registry) {
    this.pool = pool;
    this.history = new StoredHistory(pool);
    this.onCommit = onCommit;
    this.published = Counter.builder("herald.events.published").description("Events committed by this node (repeats of a known id not counted)")
        .register(registry);
    this.publishToCommit = Timer.builder("herald.publish.commit")
        .description("From a publish reaching the journal to its commit (group commit included)")
        .publishPercentileHistogram().register(registry);
  }

  /** Adds work to the append transaction; the node adds its modules' hooks while it starts, before it serves. */
  public void addHook(CommitHook<?, ?> hook) {
    hooks.add(hook);
  }

  /** Appends the events as one unit; completes (on the caller's context) after commit. */
  public Future<List<Appended>> append(List<NewEvent> events) {
    CheckedEvents checked;
    try {
      checked = check(events);
    } catch (HeraldException refused) {
      return Future.failedFuture(refused);
    }
    Context caller = Vertx.currentContext();
    Promise<List<Appended>> promise = Promise.promise();
    PendingAppend pending = new PendingAppend(checked, caller, promise, System.nanoTime());
    boolean start;
    synchronized (this) {
      queue.add(pending);
      start = !flushing;
      flushing = true;
    }
    if (start) {
      flushNext();
    }
    return promise.future();
  }

  /** The hooks' refusals come before the unit is queued: a bad event fails its own append, never the group's. */
  CheckedEvents check(List<NewEvent> events) {
    List<Object[]> readings = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      try {
        readings.add(read(events.get(i)));
      } catch (HeraldException refused) {
        throw events.size() == 1 ? refused : refused.prefixed("item " + i + ": ");
      }
    }
    return new CheckedEvents(events, readings);
  }

  /** Every hook that concerns the event checks it (a HeraldException says what it cannot take); what each read of it. */
  private Object[] read(NewEvent e) {
    Object[] readings = new Object[hooks.size()];
    for (int i = 0; i < readings.length; i++) {
      CommitHook<?, ?> hook = hooks.get(i);
      if (hook.concerns(e.channel(), e.type())) {
        readings[i] = hook.check(e);
      }
    }
    return readings;
  }

  /** Transactions committed by this node's journal so far (each carries one or more appends). */
  public long commits() {
    return commits.get();
  }

  @Override
  public Future<HistoryPage> read(String channel, long since, int limit) {
    return history.read(channel, since, limit);
  }

  /** The page of stored events just before a seq (ascending), for reading history backwards. */
  public Future<HistoryPage> readBefore(String channel, long before, int limit) {
    return history.readBefore(channel, before, limit);
  }

  @Override
  public Future<Long> head(String channel) {
    return history.head(channel);
  }

  private void flushNext() {
    List<PendingAppend> batch = new ArrayList<>();
    int events = 0;
    synchronized (this) {
      while (!queue.isEmpty() && (batch.isEmpty() || events + queue.peek().size() <= MAX_BATCH_EVENTS)) {
        PendingAppend next = queue.poll();
        events += next.size();
        batch.add(next);
      }
    }
    commit(batch, 1, this::groupSettled);
  }

  /** Every unit of the group has its answer (or is being announced): the next group may go. */
  private void groupSettled() {
    boolean more;
    synchronized (this) {
      more = !queue.isEmpty();
      flushing = more;
    }
    if (more) {
      flushNext();
    }
  }

  /**
   * Commits the units together, then runs {@code then}. When PostgreSQL refuses the group for a
   * reason that is neither retryable nor the database being away (the values of some unit, or a bug
   * a unit's events trigger), the halves are committed one after the other, down to the single unit
   * at fault: only it fails, and the other units are stored. The normal path costs nothing extra.
   */
  private void commit(List<PendingAppend> batch, int attempt, Runnable then) {
    Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    CheckedEvents all = CheckedEvents.join(batch.stream().map(PendingAppend::events).toList());
    write(all, ts).onComplete(ar -> {
      if (ar.failed() && DatabaseErrors.retryable(ar.cause()) && attempt < MAX_ATTEMPTS) {
        // another node stored one of these ids between our lookup and our insert, or a deadlock: again
        commit(batch, attempt + 1, then);
        return;
      }
      HeraldException failure = ar.failed() ? HeraldException.from(ar.cause()) : null;
      boolean unitAtFault = failure != null && failure.status() != 503;
      if (unitAtFault && batch.size() > 1) {
        int half = batch.size() / 2;
        commit(batch.subList(0, half), 1, () -> commit(batch.subList(half, batch.size()), 1, then));
        return;
      }
      // The next group goes to PostgreSQL first, then this one is announced while that one is in
      // flight. Announcements keep commit order: the next group's completion runs on this same
      // context, after this task.
      then.run();
      if (ar.succeeded()) {
        commits.incrementAndGet();
        List<Appended> results = ar.result().appended();
        notifyCommitted(results);
        ar.result().afterCommit().forEach(Runnable::run);
        int at = 0;
        long now = System.nanoTime();
        for (PendingAppend p : batch) {
          publishToCommit.record(now - p.started(), TimeUnit.NANOSECONDS);
          p.complete(results.subList(at, at + p.size()));
          at += p.size();
        }
      } else if (unitAtFault) {
        batch.get(0).fail(refusal(ar.cause()));
      } else {
        LOG.error("append of {} events failed: {}", all.events().size(), ar.cause().toString());
        HeraldException unavailable =
            HeraldException.unavailable("the event store is busy or out of reach; nothing was stored, try again");
        batch.forEach(p -> p.fail(unavailable));
      }
    });
  }

  /** Why a unit failed on its own: PostgreSQL refused its values (400), a hook refused it, or a bug (500, logged). */
  private static HeraldException refusal(Throwable cause) {
    HeraldException refused = DatabaseErrors.refusal(cause, "invalid_event", "the event store refused this publish");
    if (refused.status() >= 500) {
      LOG.error("append failed", cause);
    }
    return refused;
  }

  private void notifyCommitted(List<Appended> results) {
    List<Event> fresh = new ArrayList<>();
    for (Appended a : results) {
      if (!a.duplicate()) {
        fresh.add(a.event());
      }
    }
    announce(fresh);
  }

  /** Hands committed events on for broadcast, in commit order; a failure there loses nothing stored. */
  private void announce(List<Event> committed) {
    if (committed.isEmpty()) {
      return;
    }
    published.increment(committed.size());
    try {
      onCommit.accept(committed);
    } catch (RuntimeException e) {
      LOG.error("broadcast after commit failed; subscribers will recover the events from history", e);
    }
  }

  /** The stored results, and what each hook that ran wants done once the transaction has committed. */
  private record Written(List<Appended> appended, List<Runnable> afterCommit) {
  }

  /**
   * Finds already-stored ids, then stores the fresh events. Without a hook that cares, the append is
   * one statement (atomic on its own, one round trip including the commit); otherwise a transaction
   * runs that statement and then the hooks. The id lookup needs no transaction: a concurrent insert
   * of the same id fails the unique constraint and the whole group is retried.
   */
  private Future<Written> write(CheckedEvents all, Instant ts) {
    return existing(all.events()).compose(stored -> {
      AppendGroup group = new AppendGroup(all.events(), stored);
      if (group.fresh().isEmpty()) {
        return Future.succeededFuture(new Written(group.results(List.of()), List.of()));
      }
      AppendStatement statement = new AppendStatement(group.fresh(), ts);
      boolean hooked = hooks.stream().anyMatch(h -> group.fresh().stream().anyMatch(e -> h.concerns(e.channel(), e.type())));
      if (!hooked) {
        return statement.execute(pool).map(events -> new Written(group.results(events), List.of()));
      }
      List<Object[]> readings = all.readingsOf(group.freshIndexes());
      return Transactions.run(pool, conn -> {
        Future<List<Event>> events = statement.execute(conn);
        return runHooks(conn, events, readings).map(results -> new Written(group.results(events.result()), results));
      });
    });
  }

  /**
   * The hooks' work in a transaction whose append is in flight ({@code stored}), with what each hook
   * read of the events (in their order); what each wants done once it has committed. Fails with the
   * append's failure when the append fails: the hooks' statements then fail only because it did.
   */
  Future<List<Runnable>> runHooks(SqlConnection conn, Future<List<Event>> stored, List<Object[]> readings) {
    Future<List<Runnable>> hooked = runHooks(conn, stored, readings, 0, new ArrayList<>());
    return stored.compose(events -> hooked);
  }

  /** Hooks run one after the other, always in the same order, so their row locks are taken in one order. */
  private Future<List<Runnable>> runHooks(SqlConnection conn, Future<List<Event>> stored, List<Object[]> readings, int i,
      List<Runnable> afterCommit) {
    if (i == hooks.size()) {
      return Future.succeededFuture(afterCommit);
    }
    return runHook(hooks.get(i), i, conn, stored, readings).compose(after -> {
      afterCommit.add(after);
      return runHooks(conn, stored, readings, i + 1, afterCommit);
    });
  }

  @SuppressWarnings("unchecked") // the reading at index i is what hook i's check returned
  private static <C, R> Future<Runnable> runHook(CommitHook<C, R> hook, int i, SqlConnection conn,
      Future<List<Event>> stored, List<Object[]> readings) {
    List<C> read = new ArrayList<>(readings.size());
    readings.forEach(r -> read.add((C) r[i]));
    return hook.inTransaction(conn, read, stored).map(result -> () -> hook.committed(result));
  }

  /**
   * Runs {@code work} in a transaction of its own, beside the group commit, for writers that must
   * read and decide before they know their events (a document write checks the stored rev). Events
   * appended through the {@link Transaction} get their seqs there (the channel row stays locked to
   * the commit, so seq order is commit order), the hooks run on them, and they are announced after
   * the commit like any append. A retryable failure (a concurrent insert of the same key, a
   * deadlock) runs the work again from the start.
   */
  public <R> Future<R> transact(Function<Transaction, Future<R>> work) {
    return transact(work, 1);
  }

  private <R> Future<R> transact(Function<Transaction, Future<R>> work, int attempt) {
    Future<Transacted<R>> done = Transactions.run(pool, conn -> {
      Transaction t = new Transaction(conn, this);
      return work.apply(t).map(result -> new Transacted<>(result, t));
    });
    return done.transform(ar -> {
      if (ar.failed()) {
        return DatabaseErrors.retryable(ar.cause()) && attempt < MAX_ATTEMPTS
            ? transact(work, attempt + 1) : Future.failedFuture(ar.cause());
      }
      Transaction t = ar.result().transaction();
      commits.incrementAndGet();
      announce(t.appended());
      t.afterCommit().forEach(Runnable::run);
      return Future.succeededFuture(ar.result().result());
    });
  }

  /** What a {@link #transact} work produced, with the transaction that holds what to announce. */
  private record Transacted<R>(R result, Transaction transaction) {
  }

  /** The events already stored under one of these client-given ids. */
  private Future<List<Event>> existing(List<NewEvent> all) {
    return existing(pool, all);
  }

  /** As {@link #existing(List)}, read through the given client (a transaction's connection). */
  static Future<List<Event>> existing(SqlClient client, List<NewEvent> all) {
    List<String> channels = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (NewEvent e : all) {
      if (e.clientId()) {
        channels.add(e.channel());
        ids.add(e.id());
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return client.preparedQuery("SELECT " + EventRows.COLUMNS + " FROM events e "
            + "JOIN unnest($1::text[], $2::text[]) AS k(channel, id) ON e.channel = k.channel AND e.id = k.id WHERE e.client_id")
        .execute(Tuple.tuple().addValue(channels.toArray(new String[0])).addValue(ids.toArray(new String[0])))
        .map(EventRows::all);
  }

  private record PendingAppend(CheckedEvents events, Context caller, Promise<List<Appended>> promise, long started) {
    int size() {
      return events.events().size();
    }

    void complete(List<Appended> results) {
      List<Appended> copy = List.copyOf(results);
      run(() -> promise.complete(copy));
    }

    void fail(Throwable t) {
      run(() -> promise.fail(t));
    }

    private void run(Runnable r) {
      OnContext.run(caller, r);
    }
  }
}
