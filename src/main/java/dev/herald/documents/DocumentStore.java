package dev.herald.documents;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
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

  /** The row, locked until the transaction ends; null when the id was never used. */
  Future<Stored> lock(SqlConnection conn, String collection, String id) {
    return conn.preparedQuery("SELECT rev, body::text FROM documents WHERE collection = $1 AND id = $2 FOR UPDATE")
        .execute(Tuple.of(collection, id))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          String body = r.getString(1);
          return new Stored(r.getLong(0), body == null ? null : DocJson.parse(body));
        });
  }

  /** Writes the row as the locked {@code before} left it: inserts a new id, updates an old one; a null body is a tombstone. */
  Future<Void> save(SqlConnection conn, String collection, String id, Stored before, long rev, String body) {
    String sql = before == null
        ? "INSERT INTO documents (collection, id, rev, body) VALUES ($1, $2, $3, $4::text::jsonb)"
        : "UPDATE documents SET rev = $3, body = $4::text::jsonb WHERE collection = $1 AND id = $2";
    return conn.preparedQuery(sql).execute(Tuple.of(collection, id, rev, body)).mapEmpty();
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
