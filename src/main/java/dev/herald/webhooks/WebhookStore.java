package dev.herald.webhooks;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Deliveries in SQL (V6__webhooks.sql): claimed first, then marked routed or failed, in the transaction of their events. */
final class WebhookStore {

  /** A delivery as stored: its status (routed, failed), the result or reason, and the raw body. */
  record Delivery(String id, String status, JsonObject result, String reason, String body, Instant receivedAt) {
    JsonObject answer(String source, boolean repeat) {
      JsonObject json = new JsonObject().put("source", source).put("deliveryId", id).put("status", status);
      if (result != null) {
        json.mergeIn(result);
      }
      if (reason != null) {
        json.put("reason", reason);
      }
      return json.put("repeat", repeat);
    }
  }

  /** The keys ({@link Incoming#key}) of those deliveries stored already. */
  Future<Set<String>> stored(SqlClient conn, List<Incoming> deliveries) {
    String[] sources = deliveries.stream().map(d -> d.source().name()).toArray(String[]::new);
    String[] ids = deliveries.stream().map(Incoming::deliveryId).toArray(String[]::new);
    return conn.preparedQuery("SELECT w.source, w.delivery_id FROM webhook_deliveries w "
            + "JOIN unnest($1::text[], $2::text[]) AS x(s, i) ON w.source = x.s AND w.delivery_id = x.i")
        .execute(Tuple.tuple().addValue(sources).addValue(ids))
        .map(rows -> {
          Set<String> stored = new HashSet<>();
          rows.forEach(r -> stored.add(r.getString(0) + '\u0000' + r.getString(1)));
          return stored;
        });
  }

  /**
   * Stores new deliveries with their outcomes, in one statement. One that another transaction
   * stored meanwhile fails it with a unique violation, which {@code Journal.transact} retries: the
   * retry finds it stored and answers it as a repeat, so its routing never takes effect twice.
   */
  Future<Void> record(SqlClient conn, List<Incoming> deliveries, List<Delivery> outcomes) {
    int n = deliveries.size();
    String[] sources = new String[n];
    String[] ids = new String[n];
    String[] bodies = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] statuses = new String[n];
    String[] results = new String[n];
    String[] reasons = new String[n];
    for (int i = 0; i < n; i++) {
      Incoming d = deliveries.get(i);
      Delivery o = outcomes.get(i);
      sources[i] = d.source().name();
      ids[i] = d.deliveryId();
      bodies[i] = d.body();
      at[i] = OffsetDateTime.ofInstant(d.receivedAt(), ZoneOffset.UTC);
      statuses[i] = o.status();
      results[i] = o.result() == null ? null : o.result().encode();
      reasons[i] = o.reason();
    }
    return conn.preparedQuery("INSERT INTO webhook_deliveries (source, delivery_id, body, received_at, status, result, reason) "
            + "SELECT s, i, b, t, st, r::jsonb, why FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], "
            + "$5::text[], $6::text[], $7::text[]) AS x(s, i, b, t, st, r, why)")
        .execute(Tuple.tuple().addValue(sources).addValue(ids).addValue(bodies).addValue(at).addValue(statuses)
            .addValue(results).addValue(reasons))
        .mapEmpty();
  }

  /** A replayed delivery's new outcome. */
  Future<Void> settle(SqlClient conn, String source, Delivery outcome) {
    return conn.preparedQuery("UPDATE webhook_deliveries SET status = $3, result = $4::text::jsonb, reason = $5 "
            + "WHERE source = $1 AND delivery_id = $2")
        .execute(Tuple.of(source, outcome.id(), outcome.status(),
            outcome.result() == null ? null : outcome.result().encode(), outcome.reason()))
        .mapEmpty();
  }

  /** The stored delivery, locked for the rest of the transaction (a replay); null when there is none. */
  Future<Delivery> find(SqlClient conn, String source, String id) {
    return conn.preparedQuery("SELECT delivery_id, status, result::text AS result, reason, body, received_at "
            + "FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2 FOR UPDATE")
        .execute(Tuple.of(source, id))
        .map(rows -> rows.size() == 0 ? null : delivery(rows.iterator().next()));
  }

  /** Keeps what a document was before an event changed it ({@code before} null: it did not exist). */
  Future<Void> remember(SqlClient conn, String source, String eventId, int ord, String collection, String docId, JsonObject before) {
    return conn.preparedQuery("INSERT INTO webhook_doc_undo (source, event_id, ord, collection, doc_id, before) "
            + "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(source, eventId, ord, collection, docId, before == null ? null : before.encode()))
        .mapEmpty();
  }

  /** What an event changed, the last change first, and forgets it (it is being undone). */
  Future<List<Undo>> takeUndo(SqlClient conn, String source, String eventId) {
    return conn.preparedQuery("DELETE FROM webhook_doc_undo WHERE source = $1 AND event_id = $2 "
            + "RETURNING ord, collection, doc_id, before")
        .execute(Tuple.of(source, eventId))
        .map(rows -> {
          List<Undo> undo = new ArrayList<>();
          rows.forEach(r -> undo.add(new Undo(r.getInteger("ord"), r.getString("collection"), r.getString("doc_id"),
              r.getString("before") == null ? null : new JsonObject(r.getString("before")))));
          undo.sort(Comparator.comparingInt(Undo::ord).reversed());
          return undo;
        });
  }

  record Undo(int ord, String collection, String docId, JsonObject before) {
  }

  /** The dead-letter list: failed deliveries, oldest first. */
  Future<JsonArray> failed(SqlClient client, String source, int limit) {
    return client.preparedQuery("SELECT delivery_id, status, result::text AS result, reason, body, received_at "
            + "FROM webhook_deliveries WHERE source = $1 AND status = 'failed' ORDER BY received_at, delivery_id LIMIT $2")
        .execute(Tuple.of(source, limit))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> {
            Delivery d = delivery(r);
            out.add(new JsonObject().put("deliveryId", d.id()).put("receivedAt", d.receivedAt().toString()).put("reason", d.reason()));
          });
          return out;
        });
  }

  private static Delivery delivery(Row r) {
    String result = r.getString("result");
    return new Delivery(r.getString("delivery_id"), r.getString("status"), result == null ? null : new JsonObject(result),
        r.getString("reason"), r.getString("body"), r.getOffsetDateTime("received_at").toInstant());
  }
}
