package dev.herald.aggregate;

import dev.herald.wire.Frames;
import dev.herald.core.CelValues;
import dev.herald.core.ChannelName;
import dev.herald.journal.CommitHook;
import dev.herald.journal.Event;
import dev.herald.journal.EventRows;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
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
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Live aggregates over events, kept exact by updating them in the very transaction that appends
 * the events: totals always equal what history says, and an idempotent re-post (no fresh event)
 * changes nothing. Each aggregate's '' row is locked for the update, so versions are global and
 * gap-free across nodes; aggregates are taken in name order, after the channel heads.
 */
final class AggregateStore implements CommitHook<List<Snapshot>> {

  private final AggregateDefinitions definitions;
  private final Pool pool;
  private volatile Consumer<List<Snapshot>> onChange = snapshots -> { };

  AggregateStore(AggregateDefinitions definitions, Pool pool) {
    this.definitions = definitions;
    this.pool = pool;
  }

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

  private record Item(Event event, Map<String, Object> vars, String group) {
  }

  /** Folds the events into the aggregate's rows (locked), bumps its version, returns the snapshots to send. */
  private Future<List<Snapshot>> fold(SqlConnection conn, AggregateDefinition def, List<Event> events, long versionFloor) {
    List<Item> items = new ArrayList<>(events.size());
    TreeSet<String> groups = new TreeSet<>(List.of(""));
    for (Event e : events) {
      Map<String, Object> vars = Map.of("data", CelValues.of(e.data()), "type", e.type(), "channel", e.channel(), "id", e.id());
      String group = null;
      if (def.groupBy() != null) {
        Object key = FieldSpec.eval(def.groupBy(), vars);
        group = key == null ? null : String.valueOf(Fold.toJson(key));
        if (group != null && !ChannelName.isValid(group) && def.perGroupChannels()) {
          group = null; // cannot name a channel: counted in the totals only
        }
      }
      if (group != null) {
        groups.add(group);
      }
      items.add(new Item(e, vars, group));
    }
    return conn.preparedQuery("SELECT grp, version, vals::text AS vals FROM aggregate_state "
            + "WHERE name = $1 AND grp = ANY($2) ORDER BY grp FOR UPDATE")
        .execute(Tuple.tuple().addValue(def.name()).addValue(groups.toArray(new String[0])))
        .compose(rows -> {
          Map<String, JsonObject> states = new LinkedHashMap<>();
          long version = versionFloor;
          for (Row row : rows) {
            states.put(row.getString("grp"), new JsonObject(row.getString("vals")));
            if (row.getString("grp").isEmpty()) {
              version = Math.max(version, row.getLong("version"));
            }
          }
          groups.forEach(g -> states.computeIfAbsent(g, k -> Fold.initial(def)));
          long next = version + 1;
          return countDistinct(conn, def, items).compose(distinct -> {
            for (Item item : items) {
              for (FieldSpec f : def.fields()) {
                Object result = f.expr() == null ? null : FieldSpec.eval(f.expr(), item.vars());
                Fold.apply(states.get(""), f, result);
                if (item.group() != null) {
                  Fold.apply(states.get(item.group()), f, result);
                }
              }
            }
            distinct.forEach((key, n) -> {
              JsonObject values = states.get(key.group());
              values.put(key.field(), values.getLong(key.field(), 0L) + n);
            });
            states.replaceAll((g, values) -> Fold.withGoal(def, values));
            return save(conn, def, states, next, items).compose(v -> snapshots(conn, def, states, next, items));
          });
        });
  }

  private record DistinctKey(String group, String field) {
  }

  /** Records the values distinctCount fields see; how many of them are new, per group and field. */
  private Future<Map<DistinctKey, Long>> countDistinct(SqlConnection conn, AggregateDefinition def, List<Item> items) {
    List<String> grps = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (FieldSpec f : def.fields()) {
      if (f.kind() != FieldSpec.Kind.DISTINCT_COUNT) {
        continue;
      }
      for (Item item : items) {
        Object v = FieldSpec.eval(f.expr(), item.vars());
        if (v == null) {
          continue;
        }
        String text = Json.encode(Fold.toJson(v));
        for (String g : item.group() == null ? List.of("") : List.of("", item.group())) {
          grps.add(g);
          fields.add(f.name());
          values.add(text);
        }
      }
    }
    if (values.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery("INSERT INTO aggregate_distinct (name, grp, field, value) "
            + "SELECT $1, g, f, v FROM unnest($2::text[], $3::text[], $4::text[]) AS t(g, f, v) "
            + "ON CONFLICT DO NOTHING RETURNING grp, field")
        .execute(Tuple.of(def.name(), grps.toArray(new String[0]), fields.toArray(new String[0]), values.toArray(new String[0])))
        .map(rows -> {
          Map<DistinctKey, Long> fresh = new HashMap<>();
          rows.forEach(r -> fresh.merge(new DistinctKey(r.getString(0), r.getString(1)), 1L, Long::sum));
          return fresh;
        });
  }

  private Future<Void> save(SqlConnection conn, AggregateDefinition def, Map<String, JsonObject> states, long version,
      List<Item> items) {
    String[] grps = states.keySet().toArray(new String[0]);
    String[] vals = states.values().stream().map(JsonObject::encode).toArray(String[]::new);
    String last = items.isEmpty() ? null : Frames.envelope(items.get(items.size() - 1).event());
    return conn.preparedQuery("INSERT INTO aggregate_state (name, grp, version, vals, last_event) "
            + "SELECT $1, g, $3, v::jsonb, $5::text::jsonb FROM unnest($2::text[], $4::text[]) AS t(g, v) "
            + "ON CONFLICT (name, grp) DO UPDATE SET version = EXCLUDED.version, vals = EXCLUDED.vals, "
            + "last_event = COALESCE(EXCLUDED.last_event, aggregate_state.last_event)")
        .execute(Tuple.of(def.name(), grps, version, vals, last))
        .mapEmpty();
  }

  private Future<List<Snapshot>> snapshots(SqlConnection conn, AggregateDefinition def, Map<String, JsonObject> states,
      long version, List<Item> items) {
    JsonObject lastEvent = items.isEmpty() ? null : new JsonObject(Frames.envelope(items.get(items.size() - 1).event()));
    if (def.perGroupChannels()) {
      List<Snapshot> out = new ArrayList<>();
      states.forEach((group, values) -> {
        if (!group.isEmpty()) {
          out.add(new Snapshot(def.name(), def.channelFor(group), version, snapshotJson(def, version, values, lastEvent)
              .put("group", group)));
        }
      });
      return Future.succeededFuture(out);
    }
    if (def.groupBy() == null) {
      return Future.succeededFuture(List.of(new Snapshot(def.name(), def.channel(), version,
          snapshotJson(def, version, states.get(""), lastEvent))));
    }
    return allGroups(conn, def.name()).map(groups -> List.of(new Snapshot(def.name(), def.channel(), version,
        snapshotJson(def, version, states.get(""), lastEvent).put("groups", groups))));
  }

  private static JsonObject snapshotJson(AggregateDefinition def, long version, JsonObject values, JsonObject lastEvent) {
    JsonObject json = new JsonObject().put("name", def.name()).put("version", version).put("values", values);
    return lastEvent == null ? json : json.put("lastEvent", lastEvent);
  }

  private static Future<JsonObject> allGroups(SqlClient client, String name) {
    return client.preparedQuery("SELECT grp, vals::text AS vals FROM aggregate_state WHERE name = $1 AND grp <> '' ORDER BY grp")
        .execute(Tuple.of(name))
        .map(rows -> {
          JsonObject groups = new JsonObject();
          rows.forEach(r -> groups.put(r.getString("grp"), new JsonObject(r.getString("vals"))));
          return groups;
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
          JsonObject values = row == null ? Fold.initial(def) : new JsonObject(row.getString("vals"));
          JsonObject lastEvent = row == null || row.getString("last_event") == null ? null : new JsonObject(row.getString("last_event"));
          JsonObject json = snapshotJson(def, version, values, lastEvent);
          String channel = group.isEmpty() ? def.channel() : def.channelFor(group);
          if (!group.isEmpty()) {
            return Future.succeededFuture(new Snapshot(def.name(), channel, version, json.put("group", group)));
          }
          if (def.groupBy() == null || def.perGroupChannels()) {
            return Future.succeededFuture(new Snapshot(def.name(), channel, version, json));
          }
          return allGroups(pool, def.name()).map(groups -> new Snapshot(def.name(), channel, version, json.put("groups", groups)));
        });
  }

  /**
   * Throws the running state away and folds the stored history again, in one transaction, under
   * a new version. With complete history the values come out the same; history trimmed by
   * retention counts only what is still kept.
   */
  Future<Snapshot> recompute(AggregateDefinition def) {
    List<String> namespaces = def.namespaces();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT version FROM aggregate_state WHERE name = $1 AND grp = '' FOR UPDATE")
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
              .compose(history -> {
                List<Event> events = new ArrayList<>();
                for (Row r : history) {
                  events.add(EventRows.event(r));
                }
                return fold(conn, def, events, version);
              });
        }))
        .compose(snapshots -> {
          onChange.accept(snapshots);
          return read(def, "");
        });
  }
}
