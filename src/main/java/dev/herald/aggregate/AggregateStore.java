package dev.herald.aggregate;

import dev.herald.aggregate.AggregateFold.DistinctKey;
import dev.herald.aggregate.AggregateFold.DistinctValue;
import dev.herald.core.ChannelName;
import dev.herald.core.Namespaces;
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
import io.vertx.sqlclient.RowSet;
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
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Live aggregates over events, kept exact by updating them in the very transaction that appends
 * the events: totals always equal what history says, and an idempotent re-post (no fresh event)
 * changes nothing. Each aggregate's '' row is locked for the update, so versions are global and
 * gap-free across nodes; aggregates are taken in name order, after the channel heads. The arithmetic
 * is {@link AggregateFold}'s; this class holds the SQL around it: lock, record distinct values, save,
 * read, recompute.
 */
final class AggregateStore implements CommitHook<AggregateReading, List<Snapshot>> {

  /** The first key of the advisory locks that hold aggregates (the second is the name's hash). */
  private static final int ADVISORY_SPACE = 0x4845524c; // "HERL"

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
   * Reads the event for every aggregate it concerns, refusing (400, naming the field) one some
   * aggregate could not keep, before the journal stores anything; for an aggregate over a
   * collection, a change whose new document it could not count (the old one was counted already, or
   * never could be).
   */
  @Override
  public AggregateReading check(NewEvent e) {
    return AggregateReading.ofNew(definitions.all(), e);
  }

  @Override
  public Future<List<Snapshot>> inTransaction(SqlConnection conn, List<AggregateReading> readings, Future<List<Event>> stored) {
    List<AggregateFold> folds = new ArrayList<>();
    for (AggregateDefinition def : definitions.all()) {
      AggregateFold fold = new AggregateFold(def, readings);
      if (!fold.isEmpty()) { // events it does not concern, or documents its filter leaves out, do not touch it
        folds.add(fold);
      }
    }
    return folds.isEmpty() ? Future.succeededFuture(List.of()) : fold(conn, folds, stored, 0);
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

  /** One aggregate's new state: its version, the rows to save, and each row's last event (envelope text). */
  private record Folded(AggregateDefinition def, long version, Map<String, JsonObject> values, Map<String, String> lastEvents) {
  }

  /**
   * Folds the events into the aggregates' rows (locked), bumps each one's version, returns the
   * snapshots to send. However many aggregates an append concerns, this is two round trips, not
   * some per aggregate: the locks, the rows and the distinct values go out together (the connection
   * pipelines them behind the append, PostgreSQL runs them in order), then the save. Every round
   * trip is time the channels and aggregates stay locked, and the next commit waits for them.
   * {@code stored}: the events as stored, in the order the folds read them.
   */
  private Future<List<Snapshot>> fold(SqlConnection conn, List<AggregateFold> folds, Future<List<Event>> stored,
      long versionFloor) {
    Future<Map<String, Locked>> locking = lock(conn, folds);
    Future<Map<String, Map<DistinctKey, Long>>> recording = recordDistinct(conn, folds);
    return locking.compose(locked -> recording.compose(newlySeen -> {
          List<Folded> all = new ArrayList<>(folds.size());
          for (AggregateFold fold : folds) {
            AggregateDefinition def = fold.definition();
            Locked rows = locked.getOrDefault(def.name(), new Locked(Map.of(), 0));
            Map<String, String> lastEvents = new HashMap<>();
            fold.lastEvents(stored.result()).forEach((group, e) -> lastEvents.put(group, Frames.envelope(e)));
            all.add(new Folded(def, Math.max(versionFloor, rows.version()) + 1,
                fold.apply(rows.values(), newlySeen.getOrDefault(def.name(), Map.of())), lastEvents));
          }
          return save(conn, all).map(groups -> snapshots(all, groups));
        }));
  }

  /**
   * Holds each aggregate the folds touch for the rest of the transaction (a transaction-scoped
   * advisory lock per aggregate, taken in name order so that none waits on another in a cycle),
   * then reads its rows. The rows alone cannot be the lock: a group another node is creating has no
   * row yet, so a writer reading in the same statement that waits for the totals row would not see
   * the group once it is committed, and its save would write over that group's count.
   */
  private static Future<Map<String, Locked>> lock(SqlConnection conn, List<AggregateFold> folds) {
    List<String> names = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    for (AggregateFold fold : folds) {
      for (String g : fold.groups()) {
        names.add(fold.definition().name());
        groups.add(g);
      }
    }
    Future<Void> held = hold(conn, new TreeSet<>(names)); // pipelined: runs before the read below
    Future<RowSet<Row>> read = conn.preparedQuery("SELECT s.name, s.grp, s.version, s.vals::text AS vals FROM aggregate_state s "
            + "JOIN unnest($1::text[], $2::text[]) AS k(n, g) ON s.name = k.n AND s.grp = k.g "
            + "ORDER BY s.name, s.grp FOR UPDATE OF s")
        .execute(Tuple.tuple().addValue(names.toArray(new String[0])).addValue(groups.toArray(new String[0])));
    return held.compose(v -> read).map(rows -> {
      Map<String, Map<String, JsonObject>> values = new HashMap<>();
      Map<String, Long> versions = new HashMap<>();
      for (Row row : rows) {
        String name = row.getString("name");
        values.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(row.getString("grp"), ExactJson.object(row.getString("vals")));
        if (row.getString("grp").isEmpty()) {
          versions.put(name, row.getLong("version"));
        }
      }
      Map<String, Locked> locked = new HashMap<>();
      values.forEach((name, v) -> locked.put(name, new Locked(v, versions.getOrDefault(name, 0L))));
      return locked;
    });
  }

  /** Transaction-scoped locks on these aggregates (in this order), whether they have rows yet or not. */
  private static Future<Void> hold(SqlConnection conn, SortedSet<String> aggregates) {
    return conn.preparedQuery("SELECT pg_advisory_xact_lock(" + ADVISORY_SPACE + ", hashtext(n)) "
            + "FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i")
        .execute(Tuple.of(aggregates.toArray(new String[0])))
        .mapEmpty();
  }

  /** Records the values the folds' distinctCount fields saw; how many of them are new, per aggregate, group and field. */
  private static Future<Map<String, Map<DistinctKey, Long>>> recordDistinct(SqlConnection conn, List<AggregateFold> folds) {
    List<String> names = new ArrayList<>();
    List<DistinctValue> seen = new ArrayList<>();
    for (AggregateFold fold : folds) {
      for (DistinctValue v : fold.distinctValues()) {
        names.add(fold.definition().name());
        seen.add(v);
      }
    }
    if (seen.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery("INSERT INTO aggregate_distinct (name, grp, field, value) "
            + "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) "
            + "ON CONFLICT DO NOTHING RETURNING name, grp, field")
        .execute(Tuple.of(names.toArray(new String[0]), seen.stream().map(DistinctValue::group).toArray(String[]::new),
            seen.stream().map(DistinctValue::field).toArray(String[]::new),
            seen.stream().map(DistinctValue::value).toArray(String[]::new)))
        .map(rows -> {
          Map<String, Map<DistinctKey, Long>> fresh = new HashMap<>();
          rows.forEach(r -> fresh.computeIfAbsent(r.getString(0), n -> new HashMap<>())
              .merge(new DistinctKey(r.getString(1), r.getString(2)), 1L, Long::sum));
          return fresh;
        });
  }

  /**
   * Saves each row with its own last event (a row the events did not reach keeps the one it had);
   * a group of an aggregate over a collection that no document is in any more is deleted, as a
   * recount would not find it. The same statement reads the groups of the aggregates whose
   * snapshots carry all of them (a groupBy on a shared channel): it sees them as they were before
   * it, which under the '' locks is as this transaction found them; {@link #snapshots} puts the
   * saved ones over them.
   */
  private static Future<Map<String, JsonObject>> save(SqlConnection conn, List<Folded> all) {
    List<String> names = new ArrayList<>();
    List<String> grps = new ArrayList<>();
    List<Long> versions = new ArrayList<>();
    List<String> vals = new ArrayList<>();
    List<String> last = new ArrayList<>();
    List<String> goneNames = new ArrayList<>();
    List<String> goneGrps = new ArrayList<>();
    List<String> withGroups = new ArrayList<>();
    for (Folded f : all) {
      f.values().forEach((g, v) -> {
        if (!g.isEmpty() && FieldArithmetic.holdsNothing(f.def(), v)) {
          goneNames.add(f.def().name());
          goneGrps.add(g);
        } else {
          names.add(f.def().name());
          grps.add(g);
          versions.add(f.version());
          vals.add(v.encode());
          last.add(f.lastEvents().get(g));
        }
      });
      if (sendsAllGroups(f.def())) {
        withGroups.add(f.def().name());
      }
    }
    return conn.preparedQuery("WITH gone AS (DELETE FROM aggregate_state s USING unnest($6::text[], $7::text[]) AS d(n, g) "
            + "WHERE s.name = d.n AND s.grp = d.g), "
            + "saved AS (INSERT INTO aggregate_state (name, grp, version, vals, last_event) "
            + "SELECT n, g, v, x::jsonb, l::jsonb FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) "
            + "AS t(n, g, v, x, l) "
            + "ON CONFLICT (name, grp) DO UPDATE SET version = EXCLUDED.version, vals = EXCLUDED.vals, "
            + "last_event = COALESCE(EXCLUDED.last_event, aggregate_state.last_event)) "
            + "SELECT name, grp, vals::text AS vals FROM aggregate_state WHERE name = ANY($8::text[]) AND grp <> '' ORDER BY name, grp")
        .execute(Tuple.of(names.toArray(new String[0]), grps.toArray(new String[0]), versions.toArray(new Long[0]),
            vals.toArray(new String[0]), last.toArray(new String[0]), goneNames.toArray(new String[0]),
            goneGrps.toArray(new String[0]), withGroups.toArray(new String[0])))
        .map(rows -> {
          Map<String, JsonObject> groups = new HashMap<>();
          rows.forEach(r -> groups.computeIfAbsent(r.getString("name"), n -> new JsonObject())
              .put(r.getString("grp"), ExactJson.object(r.getString("vals"))));
          return groups;
        });
  }

  /** The snapshots of the saved state; {@code before} holds the groups of the aggregates that send all of theirs, as they were. */
  private static List<Snapshot> snapshots(List<Folded> all, Map<String, JsonObject> before) {
    List<Snapshot> out = new ArrayList<>();
    for (Folded f : all) {
      AggregateDefinition def = f.def();
      if (def.perGroupChannels()) {
        f.values().forEach((group, v) -> {
          if (!group.isEmpty()) {
            out.add(Snapshot.ofGroup(def, group, f.version(), v, envelope(f.lastEvents().get(group))));
          }
        });
        continue;
      }
      JsonObject groups = null;
      if (sendsAllGroups(def)) {
        JsonObject stored = before.getOrDefault(def.name(), new JsonObject());
        f.values().forEach((g, v) -> {
          if (!g.isEmpty()) {
            stored.put(g, v);
          }
        });
        groups = new JsonObject();
        for (Map.Entry<String, Object> e : stored) {
          JsonObject v = FieldArithmetic.stored(def, (JsonObject) e.getValue());
          if (!FieldArithmetic.holdsNothing(def, v)) {
            groups.put(e.getKey(), FieldArithmetic.shown(v));
          }
        }
      }
      out.add(Snapshot.totals(def, f.version(), f.values().get(""), envelope(f.lastEvents().get("")), groups));
    }
    return out;
  }

  /** A groupBy on a shared channel: each snapshot carries every group. */
  private static boolean sendsAllGroups(AggregateDefinition def) {
    return def.groupBy() != null && !def.perGroupChannels();
  }

  /** A stored or just-made envelope's text as JSON, its numbers exact; null stays null. */
  private static JsonObject envelope(String text) {
    return text == null ? null : ExactJson.object(text);
  }

  /** The totals' snapshot; with a groupBy on a shared channel, every group's values go with it. */
  private static Future<Snapshot> totals(SqlClient client, AggregateDefinition def, long version, JsonObject values,
      JsonObject lastEvent) {
    if (!sendsAllGroups(def)) {
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
        .compose(v -> hold(conn, new TreeSet<>(List.of(def.name()))))
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
        .compose(rows -> {
          List<Event> history = EventRows.all(rows);
          return fold(conn, List.of(AggregateFold.ofStored(def, history)), Future.succeededFuture(history), version);
        });
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
            created.add(new Event(def.channels().get(0), 0, last, Namespaces.CHANGE_TYPE, change, Instant.now()));
          }
          String next = last;
          return fold(conn, List.of(AggregateFold.ofStored(def, created)), Future.succeededFuture(created), version)
              .compose(snapshots -> {
            snapshots.forEach(s -> out.put(s.channel(), s));
            return rows.size() < RECOUNT_PAGE ? Future.succeededFuture(List.copyOf(out.values()))
                : recount(conn, def, version, next, out);
          });
        });
  }
}
