package dev.herald.aggregate;

import dev.herald.aggregate.AggregateFold.DistinctKey;
import dev.herald.aggregate.AggregateFold.DistinctValue;
import dev.herald.journal.CommitHook;
import dev.herald.journal.Event;
import dev.herald.journal.EventRows;
import dev.herald.journal.NewEvent;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
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

  /** Refuses (400, naming the field) an event some aggregate could not keep, before the journal stores anything. */
  @Override
  public void check(NewEvent e) {
    for (AggregateDefinition def : definitions.all()) {
      if (def.matches(e.channel(), e.type())) {
        CountedEvent.of(def, e.channel(), e.type(), e.id(), e.dataJson());
      }
    }
  }

  @Override
  public Future<List<Snapshot>> inTransaction(SqlConnection conn, List<Event> fresh) {
    List<Snapshot> snapshots = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (AggregateDefinition def : definitions.all()) {
      List<Event> matching = fresh.stream().filter(e -> def.matches(e.channel(), e.type())).toList();
      if (!matching.isEmpty()) {
        chain = chain.compose(v -> fold(conn, def, matching, 0).map(s -> {
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
  private Future<List<Snapshot>> fold(SqlConnection conn, AggregateDefinition def, List<Event> events, long versionFloor) {
    AggregateFold fold = new AggregateFold(def, events);
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

  /** Saves each row with its own last event (a row the events did not reach keeps the one it had). */
  private static Future<Void> save(SqlConnection conn, AggregateDefinition def, Map<String, JsonObject> values, long version,
      Map<String, String> lastEvents) {
    String[] grps = values.keySet().toArray(new String[0]);
    String[] vals = values.values().stream().map(JsonObject::encode).toArray(String[]::new);
    String[] last = values.keySet().stream().map(lastEvents::get).toArray(String[]::new);
    return conn.preparedQuery("INSERT INTO aggregate_state (name, grp, version, vals, last_event) "
            + "SELECT $1, g, $3, v::jsonb, l::jsonb FROM unnest($2::text[], $4::text[], $5::text[]) AS t(g, v, l) "
            + "ON CONFLICT (name, grp) DO UPDATE SET version = EXCLUDED.version, vals = EXCLUDED.vals, "
            + "last_event = COALESCE(EXCLUDED.last_event, aggregate_state.last_event)")
        .execute(Tuple.of(def.name(), grps, version, vals, last))
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
          rows.forEach(r -> groups.put(r.getString("grp"), FieldArithmetic.stored(def, ExactJson.object(r.getString("vals")))));
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
   * Throws the running state away and folds the stored history again, in one transaction, under
   * a new version. With complete history the values come out the same; history trimmed by
   * retention counts only what is still kept.
   */
  Future<Snapshot> recompute(AggregateDefinition def) {
    List<String> namespaces = def.namespaces();
    return pool.withTransaction(conn -> conn
        .preparedQuery("SELECT version FROM aggregate_state WHERE name = $1 AND grp = '' FOR UPDATE")
        .execute(Tuple.of(def.name()))
        .compose(rows -> {
          long version = rows.size() == 0 ? 0 : rows.iterator().next().getLong(0);
          return conn.preparedQuery("DELETE FROM aggregate_state WHERE name = $1").execute(Tuple.of(def.name()))
              .compose(v -> conn.preparedQuery("DELETE FROM aggregate_distinct WHERE name = $1").execute(Tuple.of(def.name())))
              .compose(v -> conn.preparedQuery("SELECT " + EventRows.COLUMNS + " FROM events e "
                      + "WHERE (e.channel = ANY($1) OR split_part(e.channel, ':', 1) = ANY($2)) "
                      + "AND (cardinality($3::text[]) = 0 OR e.type = ANY($3)) ORDER BY e.ts, e.channel, e.seq")
                  .execute(Tuple.of(def.channels().toArray(new String[0]), namespaces.toArray(new String[0]),
                      def.types().toArray(new String[0]))))
              .compose(history -> fold(conn, def, EventRows.all(history), version));
        }))
        .compose(snapshots -> {
          onChange.accept(snapshots);
          return read(def, "");
        });
  }
}
