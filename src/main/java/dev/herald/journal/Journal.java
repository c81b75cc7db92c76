package dev.herald.journal;

import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable, ordered store of channel events.
 *
 * <p>Appends are group-committed: while one transaction is in flight, new appends queue up and the
 * next transaction takes all of them (up to {@link #MAX_BATCH_EVENTS}). Each append unit (one REST
 * call) is all-or-nothing because the whole group shares one transaction. The per-channel row in
 * {@code channels} is locked for the increment, so seq stays gap-free across nodes; channels are
 * locked in name order so two nodes never deadlock. Committed events are handed to the listener in
 * commit order, which is when (and only when) they may be broadcast.
 */
public final class Journal {

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  static final int MAX_BATCH_EVENTS = 2000;
  private static final int MAX_ATTEMPTS = 5;

  private final Pool pool;
  private final Consumer<List<Event>> onCommit;
  private final List<CommitHook> hooks;
  private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();
  private boolean flushing;
  private final AtomicLong commits = new AtomicLong();

  public Journal(Pool pool, Consumer<List<Event>> onCommit, List<CommitHook> hooks) {
    this.pool = pool;
    this.onCommit = onCommit;
    this.hooks = List.copyOf(hooks);
  }

  /** Appends the events as one unit; completes (on the caller's context) after commit. */
  public Future<List<Appended>> append(List<NewEvent> events) {
    Context caller = Vertx.currentContext();
    Promise<List<Appended>> promise = Promise.promise();
    PendingAppend pending = new PendingAppend(events, caller, promise);
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

  /** Transactions committed by this node's journal so far (each carries one or more appends). */
  public long commits() {
    return commits.get();
  }

  /** Stored events with seq > since, ascending, at most limit, plus the channel's head. */
  public Future<HistoryPage> read(String channel, long since, int limit) {
    Future<List<Event>> events = pool.preparedQuery(
            "SELECT seq, id, type, data::text AS data, ts FROM events WHERE channel = $1 AND seq > $2 ORDER BY seq LIMIT $3")
        .execute(Tuple.of(channel, since, limit))
        .map(rows -> {
          List<Event> list = new ArrayList<>(rows.size());
          for (Row row : rows) {
            list.add(toEvent(channel, row));
          }
          return list;
        });
    return Future.all(events, head(channel)).map(all -> new HistoryPage(events.result(), all.resultAt(1)));
  }

  public Future<Long> head(String channel) {
    return pool.preparedQuery("SELECT last_seq FROM channels WHERE name = $1")
        .execute(Tuple.of(channel))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  private static Event toEvent(String channel, Row row) {
    String data = row.getString("data");
    return new Event(channel, row.getLong("seq"), row.getString("id"), row.getString("type"),
        data == null ? null : Json.decodeValue(data), row.getOffsetDateTime("ts").toInstant());
  }

  private void flushNext() {
    List<PendingAppend> batch = new ArrayList<>();
    int events = 0;
    synchronized (this) {
      while (!queue.isEmpty() && (batch.isEmpty() || events + queue.peek().events.size() <= MAX_BATCH_EVENTS)) {
        PendingAppend next = queue.poll();
        events += next.events.size();
        batch.add(next);
      }
    }
    commit(batch, 1);
  }

  private void commit(List<PendingAppend> batch, int attempt) {
    Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<NewEvent> all = new ArrayList<>();
    batch.forEach(p -> all.addAll(p.events));
    pool.withTransaction(conn -> write(conn, all, ts)).onComplete(ar -> {
      if (ar.failed() && isUniqueViolation(ar.cause()) && attempt < MAX_ATTEMPTS) {
        // another node stored one of these ids between our lookup and our insert: look again
        commit(batch, attempt + 1);
        return;
      }
      if (ar.succeeded()) {
        commits.incrementAndGet();
        List<Appended> results = ar.result().appended();
        notifyCommitted(results);
        for (int i = 0; i < hooks.size(); i++) {
          hooks.get(i).committed(ar.result().hookResults().get(i));
        }
        int at = 0;
        for (PendingAppend p : batch) {
          p.complete(results.subList(at, at + p.events.size()));
          at += p.events.size();
        }
      } else {
        LOG.error("append of {} events failed", all.size(), ar.cause());
        HeraldException failure = HeraldException.unavailable("the event store is not reachable; nothing was stored");
        batch.forEach(p -> p.fail(failure));
      }
      boolean more;
      synchronized (this) {
        more = !queue.isEmpty();
        flushing = more;
      }
      if (more) {
        flushNext();
      }
    });
  }

  private void notifyCommitted(List<Appended> results) {
    List<Event> fresh = new ArrayList<>();
    for (Appended a : results) {
      if (!a.duplicate()) {
        fresh.add(a.event());
      }
    }
    if (!fresh.isEmpty()) {
      try {
        onCommit.accept(fresh);
      } catch (RuntimeException e) {
        LOG.error("broadcast after commit failed; subscribers will recover the events from history", e);
      }
    }
  }

  private static boolean isUniqueViolation(Throwable t) {
    return t instanceof PgException pg && "23505".equals(pg.getSqlState());
  }

  private record Written(List<Appended> appended, List<Object> hookResults) {
  }

  /** One transaction: find already-stored ids, bump each channel's head, insert the new events, run the hooks. */
  private Future<Written> write(SqlConnection conn, List<NewEvent> all, Instant ts) {
    return existing(conn, all).compose(stored -> {
      Set<String> known = new HashSet<>(stored.keySet());
      TreeMap<String, Integer> perChannel = new TreeMap<>();
      List<NewEvent> fresh = new ArrayList<>();
      for (NewEvent e : all) {
        if (known.add(key(e.channel(), e.id()))) {
          fresh.add(e);
          perChannel.merge(e.channel(), 1, Integer::sum);
        }
      }
      if (fresh.isEmpty()) {
        return Future.succeededFuture(new Written(resolve(all, stored, Map.of()), noHookResults()));
      }
      return bumpHeads(conn, perChannel).compose(heads -> {
        Map<String, Event> created = assignSeqs(fresh, perChannel, heads, ts);
        List<Event> events = List.copyOf(created.values());
        return insert(conn, events, ts)
            .compose(v -> runHooks(conn, events, 0, new ArrayList<>()))
            .map(results -> new Written(resolve(all, stored, created), results));
      });
    });
  }

  /** Hooks run one after the other, always in the same order, so their row locks are taken in one order. */
  private Future<List<Object>> runHooks(SqlConnection conn, List<Event> events, int i, List<Object> results) {
    if (i == hooks.size()) {
      return Future.succeededFuture(results);
    }
    return hooks.get(i).inTransaction(conn, events).compose(r -> {
      results.add(r);
      return runHooks(conn, events, i + 1, results);
    });
  }

  /** When every event was a duplicate the hooks have nothing to do: they are told null. */
  private List<Object> noHookResults() {
    return java.util.Collections.nCopies(hooks.size(), null);
  }

  private Future<Map<String, Event>> existing(SqlConnection conn, List<NewEvent> all) {
    List<String> channels = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (NewEvent e : all) {
      if (e.clientId()) {
        channels.add(e.channel());
        ids.add(e.id());
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery("SELECT e.channel, e.seq, e.id, e.type, e.data::text AS data, e.ts FROM events e "
            + "JOIN unnest($1::text[], $2::text[]) AS k(channel, id) ON e.channel = k.channel AND e.id = k.id")
        .execute(Tuple.tuple().addValue(channels.toArray(new String[0])).addValue(ids.toArray(new String[0])))
        .map(rows -> {
          Map<String, Event> found = new HashMap<>();
          for (Row row : rows) {
            Event e = toEvent(row.getString("channel"), row);
            found.put(key(e.channel(), e.id()), e);
          }
          return found;
        });
  }

  private Future<Map<String, Long>> bumpHeads(SqlConnection conn, TreeMap<String, Integer> perChannel) {
    int n = perChannel.size();
    String[] names = new String[n];
    String[] namespaces = new String[n];
    Long[] counts = new Long[n];
    int i = 0;
    for (Map.Entry<String, Integer> e : perChannel.entrySet()) {
      names[i] = e.getKey();
      namespaces[i] = ChannelName.namespace(e.getKey());
      counts[i++] = (long) e.getValue();
    }
    return conn.preparedQuery("INSERT INTO channels (name, namespace, last_seq) "
            + "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ORDER BY 1 "
            + "ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + EXCLUDED.last_seq "
            + "RETURNING name, last_seq")
        .execute(Tuple.of(names, namespaces, counts))
        .map(rows -> {
          Map<String, Long> heads = new HashMap<>();
          rows.forEach(r -> heads.put(r.getString(0), r.getLong(1)));
          return heads;
        });
  }

  private static Map<String, Event> assignSeqs(List<NewEvent> fresh, Map<String, Integer> perChannel,
      Map<String, Long> heads, Instant ts) {
    Map<String, Long> next = new HashMap<>();
    perChannel.forEach((ch, count) -> next.put(ch, heads.get(ch) - count + 1));
    Map<String, Event> created = new LinkedHashMap<>();
    for (NewEvent e : fresh) {
      long seq = next.merge(e.channel(), 1L, Long::sum) - 1;
      created.put(key(e.channel(), e.id()), new Event(e.channel(), seq, e.id(), e.type(), e.data(), ts));
    }
    return created;
  }

  private Future<Void> insert(SqlConnection conn, java.util.Collection<Event> events, Instant ts) {
    int n = events.size();
    String[] channels = new String[n];
    Long[] seqs = new Long[n];
    String[] ids = new String[n];
    String[] types = new String[n];
    String[] data = new String[n];
    int i = 0;
    for (Event e : events) {
      channels[i] = e.channel();
      seqs[i] = e.seq();
      ids[i] = e.id();
      types[i] = e.type();
      data[i++] = Json.encode(e.data());
    }
    return conn.preparedQuery("INSERT INTO events (channel, seq, id, type, data, ts) "
            + "SELECT c, s, i, t, d::jsonb, $6 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) "
            + "AS x(c, s, i, t, d)")
        .execute(Tuple.of(channels, seqs, ids, types, data, OffsetDateTime.ofInstant(ts, ZoneOffset.UTC)))
        .mapEmpty();
  }

  /** The first mention of a newly created event is "created"; every other mention is a duplicate. */
  private static List<Appended> resolve(List<NewEvent> all, Map<String, Event> stored, Map<String, Event> created) {
    List<Appended> results = new ArrayList<>(all.size());
    Set<String> reported = new HashSet<>();
    for (NewEvent e : all) {
      String k = key(e.channel(), e.id());
      Event fresh = created.get(k);
      results.add(fresh != null ? new Appended(fresh, !reported.add(k)) : new Appended(stored.get(k), true));
    }
    return results;
  }

  private static String key(String channel, String id) {
    return channel + '\u0000' + id;
  }

  private record PendingAppend(List<NewEvent> events, Context caller, Promise<List<Appended>> promise) {
    void complete(List<Appended> results) {
      List<Appended> copy = List.copyOf(results);
      run(() -> promise.complete(copy));
    }

    void fail(Throwable t) {
      run(() -> promise.fail(t));
    }

    private void run(Runnable r) {
      if (caller == null) {
        r.run();
      } else {
        caller.runOnContext(v -> r.run());
      }
    }
  }
}
