package dev.herald.documents;

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
import java.util.Set;
import java.util.function.Function;

/**
 * The documents table. A deleted document stays as a tombstone (no body, its last rev), so an id's
 * revs never repeat: an If-Match taken before a delete cannot match a document created after it.
 */
final class DocumentStore {

  /** A document row: its rev and body, the body null for a tombstone. */
  record Stored(long rev, JsonObject doc) {
  }

  /** A page row: the document's text and its sort key (jsonb text), for the next page's cursor. */
  record PageRow(String id, String body, String sortKey) {
  }

  private final Pool pool;

  DocumentStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  /** A document's key. */
  record Key(String collection, String id) {
  }

  /**
   * The rows of these keys that exist, locked until the transaction ends, in key order (every
   * transaction locks in that one order, so two nodes' batches seldom wait on each other in a cycle).
   */
  Future<Map<Key, Stored>> lock(SqlConnection conn, Set<Key> keys) {
    String[] collections = new String[keys.size()];
    String[] ids = new String[keys.size()];
    int i = 0;
    for (Key k : keys) {
      collections[i] = k.collection();
      ids[i++] = k.id();
    }
    return conn.preparedQuery("SELECT d.collection, d.id, d.rev, d.body::text FROM documents d "
            + "JOIN unnest($1::text[], $2::text[]) AS k(c, i) ON d.collection = k.c AND d.id = k.i "
            + "ORDER BY d.collection, d.id FOR UPDATE OF d")
        .execute(Tuple.tuple().addValue(collections).addValue(ids))
        .map(rows -> {
          Map<Key, Stored> found = new HashMap<>();
          for (Row r : rows) {
            String body = r.getString(3);
            found.put(new Key(r.getString(0), r.getString(1)), new Stored(r.getLong(2), body == null ? null : DocJson.parse(body)));
          }
          return found;
        });
  }

  /**
   * Stores the rows: keys that had no row are inserted (a concurrent insert of the same key fails
   * the transaction, which is then run again and finds the row), the others updated in place; a
   * null document is a tombstone.
   */
  Future<Void> save(SqlConnection conn, Map<Key, Stored> rows, Set<Key> existing) {
    Map<Key, Stored> fresh = new LinkedHashMap<>();
    Map<Key, Stored> old = new LinkedHashMap<>();
    rows.forEach((k, row) -> (existing.contains(k) ? old : fresh).put(k, row));
    return write(conn, "INSERT INTO documents (collection, id, rev, body) "
            + "SELECT c, i, r, b::jsonb FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS t(c, i, r, b)", fresh)
        .compose(v -> write(conn, "UPDATE documents d SET rev = t.r, body = t.b::jsonb "
            + "FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS t(c, i, r, b) "
            + "WHERE d.collection = t.c AND d.id = t.i", old));
  }

  private static Future<Void> write(SqlConnection conn, String sql, Map<Key, Stored> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = rows.size();
    String[] collections = new String[n];
    String[] ids = new String[n];
    Long[] revs = new Long[n];
    String[] bodies = new String[n];
    int i = 0;
    for (Map.Entry<Key, Stored> e : rows.entrySet()) {
      collections[i] = e.getKey().collection();
      ids[i] = e.getKey().id();
      revs[i] = e.getValue().rev();
      bodies[i++] = e.getValue().doc() == null ? null : e.getValue().doc().encode();
    }
    return conn.preparedQuery(sql).execute(Tuple.tuple().addValue(collections).addValue(ids).addValue(revs).addValue(bodies)).mapEmpty();
  }

  /** The stored document's text, or null when absent (or deleted). */
  Future<String> get(String collection, String id) {
    return pool.preparedQuery("SELECT body::text FROM documents WHERE collection = $1 AND id = $2 AND body IS NOT NULL")
        .execute(Tuple.of(collection, id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /**
   * Up to {@code n} documents in {@code order} after the cursor, holding {@code equal} when given
   * (a field value every wanted document has, so only those rows are read).
   */
  Future<List<PageRow>> page(SqlClient client, String collection, DocFilter.Bound equal, Order order, Order.Cursor after, int n) {
    String key = "COALESCE(body -> $2, 'null'::jsonb)";
    StringBuilder sql = new StringBuilder("SELECT id, body::text, ").append(key)
        .append("::text FROM documents WHERE collection = $1 AND body IS NOT NULL");
    Tuple args = Tuple.of(collection, order.field());
    if (equal != null) {
      args.addString(new JsonObject().put(equal.field(), equal.value()).encode());
      sql.append(" AND body @> $").append(args.size()).append("::text::jsonb");
    }
    if (after != null) {
      args.addString(after.key()).addString(after.id());
      sql.append(" AND (").append(key).append(", id) ").append(order.descending() ? "<" : ">")
          .append(" ($").append(args.size() - 1).append("::text::jsonb, $").append(args.size()).append(")");
    }
    String direction = order.descending() ? " DESC" : "";
    args.addInteger(n);
    sql.append(" ORDER BY ").append(key).append(direction).append(", id").append(direction).append(" LIMIT $").append(args.size());
    return client.preparedQuery(sql.toString()).execute(args).map(rows -> {
      List<PageRow> page = new ArrayList<>(rows.size());
      rows.forEach(r -> page.add(new PageRow(r.getString(0), r.getString(1), r.getString(2))));
      return page;
    });
  }

  /** The collection's change seq as the transaction sees it (0 before its first change). */
  Future<Long> changeSeq(SqlClient client, String changeLog) {
    return client.preparedQuery("SELECT last_seq FROM channels WHERE name = $1").execute(Tuple.of(changeLog))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /**
   * Runs reads in one REPEATABLE READ, read-only transaction: they all see the same committed state
   * (a live query's snapshot and the change seq it reflects).
   */
  <T> Future<T> consistentRead(Function<SqlConnection, Future<T>> reads) {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
        .compose(v -> reads.apply(conn)));
  }
}
