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
import java.util.List;

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

  /** Stores a new delivery (status routing); false when its id was stored before (the caller reads that one). */
  Future<Boolean> claim(SqlClient conn, String source, String id, String body, Instant now) {
    return conn.preparedQuery("INSERT INTO webhook_deliveries (source, delivery_id, body, received_at, status) "
            + "VALUES ($1, $2, $3, $4, 'routing') ON CONFLICT DO NOTHING RETURNING delivery_id")
        .execute(Tuple.of(source, id, body, OffsetDateTime.ofInstant(now, ZoneOffset.UTC)))
        .map(rows -> rows.size() == 1);
  }

  /** The stored delivery, locked for the rest of the transaction (a replay); null when there is none. */
  Future<Delivery> find(SqlClient conn, String source, String id) {
    return conn.preparedQuery("SELECT delivery_id, status, result::text AS result, reason, body, received_at "
            + "FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2 FOR UPDATE")
        .execute(Tuple.of(source, id))
        .map(rows -> rows.size() == 0 ? null : delivery(rows.iterator().next()));
  }

  Future<Void> settle(SqlClient conn, String source, String id, String status, JsonObject result, String reason) {
    return conn.preparedQuery("UPDATE webhook_deliveries SET status = $3, result = $4::text::jsonb, reason = $5 "
            + "WHERE source = $1 AND delivery_id = $2")
        .execute(Tuple.of(source, id, status, result == null ? null : result.encode(), reason))
        .mapEmpty();
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
