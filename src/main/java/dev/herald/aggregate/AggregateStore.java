package dev.herald.aggregate;

import dev.herald.aggregate.AggregateFold.DistinctKey;
import dev.herald.aggregate.AggregateFold.DistinctValue;
import dev.herald.core.ChannelName;
import dev.herald.journal.CommitHook;
import dev.herald.journal.Event;
import dev.herald.journal.EventRows;
import dev.herald.journal.NewEvent;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * Live aggregates over events, kept exact by updating them in the very transaction that appends
 * the events: totals always equal what history says, and an idempotent re-post (no fresh event)
 * changes nothing. Each aggregate's '' row is locked for the update, so versions are global and
 * gap-free across nodes; aggregates are taken in name order, after the channel heads. The arithmetic
 * is {@link AggregateFold}'s; this class holds the SQL around it: lock, record distinct values, save,
 * read, recompute.
 */
final class AggregateStore implements CommitHook<List<Snapshot>> {

  private final AggregateDefinitions definitions;
  private final Pool pool;
  private volatile Consumer<List<Snapshot>> onChange = snapshots -> { };

  AggregateStore(AggregateDefinitions definitions, Pool pool) {
    this.definitions = definitions;
    this.pool = pool;
  }

  /** Who gets the snapshots of every committed change. */
  void onChange(Consumer<List<Snapshot>> listener) {
    this.onChange = listener;
  }

  // ---- in the append transaction ----

  @Override
  public boolean concerns(String channel, String type) {
    for (AggregateDefinition def : definitions.all()) {
      if (def.matches(channel, type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses (400, naming the field) an event some aggregate could not keep, before the journal stores
   * anything; for an aggregate over a collection, a change whose new document it could not count
   * (the old one was counted already, or never could be).
   */
  @Override
  public void check(NewEvent e) {
    for (AggregateDefinition def : definitions.all()) {
      if (!def.matches(e.channel(), e.type())) {
        continue;
      }
      if (!def.overCollection()) {
        CountedEvent.of(def, e.channel(), e.type(), e.id(), e.dataJson());
        continue;
      }
      JsonObject after = ExactJson.object(e.dataJson()).getJsonObject("after");
      if (after != null) {
        CountedEvent.ofDocument(def, after);
      }
    }
  }

  @Override
  public Future<List<Snapshot>> inTransaction(SqlConnection conn, List<Event> fresh) {
    List<Snapshot> snapshots = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (AggregateDefinition def : definitions.all()) {
      List<Event> matching = fresh.stream().filter(e -> def.matches(e.channel(), e.type())).toList();
      AggregateFold fold = new AggregateFold(def, matching);
      if (!fold.isEmpty()) { // changes of documents its filter leaves out do not touch the aggregate
        chain = chain.compose(v -> fold(conn, def, fold, 0).map(s -> {
          snapshots.addAll(s);
          return null;
        }));
      }
    }
    return chain.map(v -> snapshots);
  }

  @Override
  public void committed(List<Snapshot> snapshots) {
    if (!snapshots.isEmpty()) {
      onChange.accept(snapshots);
    }
  }

  /** The rows of the groups an append touches, as read under lock, and the aggregate's version (the '' row's). */
  private record Locked(Map<String, JsonObject> values, long version) {
  }

  /** Folds the events into the aggregate's rows (locked), bumps its version, returns the snapshots to send. */
  private Future<List<Snapshot>> fold(SqlConnection conn, AggregateDefinition def, AggregateFold fold, long versionFloor) {
    Map<String, String> lastEvents = new HashMap<>();
    fold.lastEvents().forEach((group, e) -> lastEvents.put(group, Frames.envelope(e)));
    return lock(conn, def, fold.groups())
        .compose(locked -> recordDistinct(conn, def, fold.distinctValues()).compose(newlySeen -> {
          long version = Math.max(versionFloor, locked.version()) + 1;
          Map<String, JsonObject> values = fold.apply(locked.values(), newlySeen);
          return save(conn, def, values, version, lastEvents).compose(v -> snapshots(conn, def, values, version, lastEvents));
        }));
  }

  private static Future<Locked> lock(SqlConnection conn, AggregateDefinition def, SortedSet<String> groups) {
    return conn.preparedQuery("SELECT grp, version, vals::text AS vals FROM aggregate_state "
            + "WHERE name = $1 AND grp = ANY($2) ORDER BY grp FOR UPDATE")
        .execute(Tuple.tuple().addValue(def.name()).addValue(groups.toArray(new String[0])))
        .map(rows -> {
          Map<String, JsonObject> values = new LinkedHashMap<>();
          long version = 0;
          for (Row row : rows) {
            values.put(row.getString("grp"), ExactJson.object(row.getString("vals")));
            if (row.getString("grp").isEmpty()) {
              version = row.getLong("version");
            }
          }
          return new Locked(values, version);
        });
  }

  /** Records the values distinctCount fields saw; how many of them are new, per group and field. */
  private static Future<Map<DistinctKey, Long>> recordDistinct(SqlConnection conn, AggregateDefinition def,
      List<DistinctValue> seen) {
    if (seen.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery("INSERT INTO aggregate_distinct (name, grp, field, value) "
            + "SELECT $1, g, f, v FROM unnest($2::text[], $3::text[], $4::text[]) AS t(g, f, v) "
            + "ON CONFLICT DO NOTHING RETURNING grp, field")
        .execute(Tuple.of(def.name(), seen.stream().map(DistinctValue::group).toArray(String[]::new),
            seen.stream().map(DistinctValue::field).toArray(String[]::new),
            seen.stream().map(DistinctValue::value).toArray(String[]::new)))
        .map(rows -> {
          Map<DistinctKey, Long> fresh = new HashMap<>();
          rows.forEach(r -> fresh.merge(new DistinctKey(r.getString(0), r.getString(1)), 1L, Long::sum));
          return fresh;
        });
  }

  /**
   * Saves each row with its own last event (a row the events did not reach keeps the one it had);
   * a group of an aggregate over a collection that no document is in any more is deleted, as a
   * recount would not find it.
   */
  private static Future<Void> save(SqlConnection conn, AggregateDefinition def, Map<String, JsonObject> values, long version,
      Map<String, String> lastEvents) {
    List<String> kept = new ArrayList<>();
    List<String> gone = new ArrayList<>();
    values.forEach((g, v) -> (!g.isEmpty() && FieldArithmetic.holdsNothing(def, v) ? gone : kept).add(g));
    String[] vals = kept.stream().map(g -> values.get(g).encode()).toArray(String[]::new);
    String[] last = kept.stream().map(lastEvents::get).toArray(String[]::new);
    return conn.preparedQuery("WITH gone AS (DELETE FROM aggregate_state WHERE name = $1 AND grp = ANY($6::text[])) "
            + "INSERT INTO aggregate_state (name, grp, version, vals, last_event) "
            + "SELECT $1, g, $3, v::jsonb, l::jsonb FROM unnest($2::text[], $4::text[], $5::text[]) AS t(g, v, l) "
            + "ON CONFLICT (name, grp) DO UPDATE SET version = EXCLUDED.version, vals = EXCLUDED.vals, "
            + "last_event = COALESCE(EXCLUDED.last_event, aggregate_state.last_event)")
        .execute(Tuple.of(def.name(), kept.toArray(new String[0]), version, vals, last, gone.toArray(new String[0])))
        .mapEmpty();
  }

  private static Future<List<Snapshot>> snapshots(SqlConnection conn, AggregateDefinition def, Map<String, JsonObject> values,
      long version, Map<String, String> lastEvents) {
    if (def.perGroupChannels()) {
      List<Snapshot> out = new ArrayList<>();
      values.forEach((group, v) -> {
        if (!group.isEmpty()) {
          out.add(Snapshot.ofGroup(def, group, version, v, envelope(lastEvents.get(group))));
        }
      });
      return Future.succeededFuture(out);
    }
    return totals(conn, def, version, values.get(""), envelope(lastEvents.get(""))).map(List::of);
  }

  /** A stored or just-made envelope's text as JSON, its numbers exact; null stays null. */
  private static JsonObject envelope(String text) {
    return text == null ? null : ExactJson.object(text);
  }

  /** The totals' snapshot; with a groupBy on a shared channel, every group's values go with it. */
  private static Future<Snapshot> totals(SqlClient client, AggregateDefinition def, long version, JsonObject values,
      JsonObject lastEvent) {
    if (def.groupBy() == null || def.perGroupChannels()) {
      return Future.succeededFuture(Snapshot.totals(def, version, values, lastEvent, null));
    }
    return client.preparedQuery("SELECT grp, vals::text AS vals FROM aggregate_state WHERE name = $1 AND grp <> '' ORDER BY grp")
        .execute(Tuple.of(def.name()))
        .map(rows -> {
          JsonObject groups = new JsonObject();
          rows.forEach(r -> groups.put(r.getString("grp"),
              FieldArithmetic.shown(FieldArithmetic.stored(def, ExactJson.object(r.getString("vals"))))));
          return Snapshot.totals(def, version, values, lastEvent, groups);
        });
  }

  // ---- reads and recompute ----

  /** The current snapshot: of the aggregate, or of one group ("" for the totals). */
  Future<Snapshot> read(AggregateDefinition def, String group) {
    return pool.preparedQuery("SELECT version, vals::text AS vals, last_event::text AS last_event FROM aggregate_state "
            + "WHERE name = $1 AND grp = $2")
        .execute(Tuple.of(def.name(), group))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          long version = row == null ? 0 : row.getLong("version");
          JsonObject values = row == null ? FieldArithmetic.initial(def)
              : FieldArithmetic.stored(def, ExactJson.object(row.getString("vals")));
          JsonObject lastEvent = envelope(row == null ? null : row.getString("last_event"));
          if (!group.isEmpty()) {
            return Future.succeededFuture(Snapshot.ofGroup(def, group, version, values, lastEvent));
          }
          return totals(pool, def, version, values, lastEvent);
        });
  }

  /**
   * Throws the running state away and counts again, in one transaction, under a new version: the
   * stored history of the channels (with complete history the values come out the same; history
   * trimmed by retention counts only what is still kept), or the documents of a collection as they
   * are now (its change log is trimmed too, and only the documents' current state counts anyway).
   */
  Future<Snapshot> recompute(AggregateDefinition def) {
    return pool.withTransaction(conn -> holdWriters(conn, def)
        .compose(v -> conn.preparedQuery("SELECT version FROM aggregate_state WHERE name = $1 AND grp = '' FOR UPDATE")
            .execute(Tuple.of(def.name())))
        .compose(rows -> {
          long version = rows.size() == 0 ? 0 : rows.iterator().next().getLong(0);
          return conn.preparedQuery("DELETE FROM aggregate_state WHERE name = $1").execute(Tuple.of(def.name()))
              .compose(v -> conn.preparedQuery("DELETE FROM aggregate_distinct WHERE name = $1").execute(Tuple.of(def.name())))
              .compose(v -> def.overCollection() ? recount(conn, def, version, "", new LinkedHashMap<>()) : refold(conn, def, version));
        }))
        .compose(snapshots -> {
          onChange.accept(snapshots);
          return read(def, "");
        });
  }

  /**
   * A recount of documents must not miss a change committing meanwhile, nor count one twice: it
   * locks the head of the collection's change log, which every write of the collection updates
   * before its hooks run. A write that got there first has committed (the documents read next see
   * it); one that comes later waits until the recount commits, then folds its change into the new
   * state, its statements seeing the recount's rows. Channel aggregates fold what history holds.
   */
  private static Future<Void> holdWriters(SqlConnection conn, AggregateDefinition def) {
    if (!def.overCollection()) {
      return Future.succeededFuture();
    }
    String log = def.channels().get(0);
    return conn.preparedQuery("INSERT INTO channels (name, namespace, last_seq) VALUES ($1, $2, 0) "
            + "ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq")
        .execute(Tuple.of(log, ChannelName.namespace(log)))
        .mapEmpty();
  }

  private Future<List<Snapshot>> refold(SqlConnection conn, AggregateDefinition def, long version) {
    return conn.preparedQuery("SELECT " + EventRows.COLUMNS + " FROM events e "
            + "WHERE (e.channel = ANY($1) OR split_part(e.channel, ':', 1) = ANY($2)) "
            + "AND (cardinality($3::text[]) = 0 OR e.type = ANY($3)) ORDER BY e.ts, e.channel, e.seq")
        .execute(Tuple.of(def.channels().toArray(new String[0]), def.namespaces().toArray(new String[0]),
            def.types().toArray(new String[0])))
        .compose(history -> fold(conn, def, new AggregateFold(def, EventRows.all(history)), version));
  }

  /** Documents a recount reads and folds at a time. */
  private static final int RECOUNT_PAGE = 1000;

  /**
   * Folds the collection's documents, page by page in id order after {@code afterId}, each as if it
   * had just been created; {@code out} keeps the newest snapshot per channel.
   */
  private Future<List<Snapshot>> recount(SqlConnection conn, AggregateDefinition def, long version, String afterId,
      Map<String, Snapshot> out) {
    return conn.preparedQuery("SELECT id, body::text FROM documents WHERE collection = $1 AND body IS NOT NULL AND id > $2 "
            + "ORDER BY id LIMIT $3")
        .execute(Tuple.of(def.collection(), afterId, RECOUNT_PAGE))
        .compose(rows -> {
          List<Event> created = new ArrayList<>(rows.size());
          String last = afterId;
          for (Row r : rows) {
            last = r.getString(0);
            String change = "{\"id\":" + Json.encode(last) + ",\"before\":null,\"after\":" + r.getString(1) + "}";
            created.add(new Event(def.channels().get(0), 0, last, AggregateDefinition.CHANGE, change, Instant.now()));
          }
          String next = last;
          return fold(conn, def, new AggregateFold(def, created), version).compose(snapshots -> {
            snapshots.forEach(s -> out.put(s.channel(), s));
            return rows.size() < RECOUNT_PAGE ? Future.succeededFuture(List.copyOf(out.values()))
                : recount(conn, def, version, next, out);
          });
        });
  }
}
