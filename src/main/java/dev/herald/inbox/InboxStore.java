package dev.herald.inbox;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The inbox in SQL (V5__inbox.sql). A user sees the notifications sent to them (an {@code inbox}
 * row each, holding the read state) and those sent to a role their token holds, minus the ones
 * they deleted (read and deleted state per user in {@code inbox_role_state}). Every change of a
 * user's inbox first takes that user's lock, so its unread count and the pushes that carry it are
 * in commit order.
 */
final class InboxStore {

  /** The first key of the advisory locks of inboxes (the second is the user id's hash). */
  private static final int ADVISORY_SPACE = 0x48494e42; // "HINB"

  private static final String COLUMNS = "n.nid, n.id, n.type, n.title, n.body, n.data::text AS data, n.created_at";
  /**
   * A page of the user's notifications ($1 user, $2 roles) with their read state, before a nid ($3),
   * unread only when $4, at most $5, and on every row (or a row of nulls, for an empty page) the
   * unread count, all in one statement (one snapshot: the page and the count agree). Their own are
   * read newest first from the inbox's key, each role's from its (role, nid) index, so a long
   * inbox costs a page, and the count comes from the counters. ($3 is never null: a "null or less
   * than" would keep the cached plan of this prepared statement off the index.)
   */
  private static final String PAGE = "WITH mine AS (SELECT " + COLUMNS + ", i.read FROM inbox i JOIN notifications n ON n.nid = i.nid "
      + "WHERE i.user_id = $1 AND i.nid < $3 AND NOT ($4 AND i.read) ORDER BY i.user_id DESC, i.nid DESC LIMIT $5), "
      + "theirs AS (SELECT x.* FROM unnest($2::text[]) AS r(role), LATERAL (SELECT " + COLUMNS + ", coalesce(s.read, false) AS read "
      + "FROM notifications n LEFT JOIN inbox_role_state s ON s.user_id = $1 AND s.nid = n.nid "
      + "WHERE n.role = r.role AND n.nid < $3 AND NOT coalesce(s.deleted, false) AND NOT ($4 AND coalesce(s.read, false)) "
      + "ORDER BY n.role DESC, n.nid DESC LIMIT $5) x), "
      + "page AS (SELECT * FROM mine UNION ALL SELECT * FROM theirs ORDER BY nid DESC LIMIT $5), "
      + "unread AS (" + unread("$1", "$2") + " AS unread) "
      + "SELECT u.unread, p.* FROM unread u LEFT JOIN page p ON true ORDER BY p.nid DESC";

  /**
   * The user's unread count from the counters: their own unread, plus what their roles hold, less
   * the role notifications they read or deleted (their state rows).
   */
  private static String unread(String user, String roles) {
    return "SELECT coalesce((SELECT unread FROM inbox_counts WHERE user_id = " + user + "), 0) "
        + "+ coalesce((SELECT sum(total) FROM role_counts WHERE role = ANY(" + roles + "::text[])), 0) "
        + "- (SELECT count(*) FROM inbox_role_state s JOIN notifications n ON n.nid = s.nid "
        + "WHERE s.user_id = " + user + " AND (s.read OR s.deleted) AND n.role = ANY(" + roles + "::text[]))";
  }

  /** A stored notification: its row key and what its recipients see. */
  record Stored(long nid, JsonObject json) {
  }

  record Page(List<JsonObject> notifications, Long next, long unread) {
  }

  /** Holds the inboxes of these users (sorted: two writers never wait on each other in a cycle) to the commit. */
  Future<Void> lock(SqlConnection conn, List<String> users) {
    if (users.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery("SELECT pg_advisory_xact_lock(" + ADVISORY_SPACE + ", hashtext(u)) "
            + "FROM unnest($1::text[]) WITH ORDINALITY AS t(u, i) ORDER BY i")
        .execute(Tuple.of(users.toArray(new String[0])))
        .mapEmpty();
  }

  /** Stores the notification and its users' inbox rows; null when its id is stored already. */
  Future<Stored> insert(SqlConnection conn, NewNotification n, Instant now) {
    return conn.preparedQuery("WITH stored AS (INSERT INTO notifications (id, role, audience, type, title, body, data, created_at) "
            + "VALUES ($1, $2, $3::text::jsonb, $4, $5, $6, $7::text::jsonb, $8) ON CONFLICT (id) DO NOTHING RETURNING nid), "
            + "delivered AS (INSERT INTO inbox (user_id, nid) SELECT u, stored.nid FROM stored, unnest($9::text[]) AS u), "
            + "counted AS (INSERT INTO inbox_counts (user_id, unread) SELECT u, 1 FROM stored, unnest($9::text[]) AS u "
            + "ON CONFLICT (user_id) DO UPDATE SET unread = inbox_counts.unread + 1), "
            + "held AS (INSERT INTO role_counts (role, total) SELECT $2, 1 FROM stored WHERE $2::text IS NOT NULL "
            + "ON CONFLICT (role) DO UPDATE SET total = role_counts.total + 1) "
            + "SELECT nid FROM stored")
        .execute(Tuple.tuple().addValue(n.id()).addValue(n.role()).addValue(n.audience().encode()).addValue(n.type())
            .addValue(n.title()).addValue(n.body()).addValue(n.data() == null ? null : Json.encode(n.data()))
            .addValue(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)).addValue(n.users().toArray(new String[0])))
        .map(rows -> rows.size() == 0 ? null
            : new Stored(rows.iterator().next().getLong(0), json(n.id(), n.type(), n.title(), n.body(), n.data(), now)));
  }

  /** The notification stored under this id, with who it went to; null when there is none. */
  Future<JsonObject> find(SqlClient client, String id) {
    return client.preparedQuery("SELECT " + COLUMNS + ", n.audience::text AS audience FROM notifications n WHERE n.id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : notification(rows.iterator().next()).put("to", new JsonObject(rows.iterator().next().getString("audience"))));
  }

  /** The page and the unread count, from one snapshot. */
  Future<Page> list(SqlClient client, String user, List<String> roles, Long before, int limit, boolean unreadOnly) {
    return client.preparedQuery(PAGE)
        .execute(args(user, roles.toArray(new String[0]), before == null ? Long.MAX_VALUE : before, unreadOnly, limit + 1))
        .map(rows -> {
          List<JsonObject> page = new ArrayList<>();
          long unread = 0;
          long last = 0;
          boolean more = false;
          for (Row r : rows) {
            unread = r.getLong("unread");
            if (r.getValue("nid") == null) {
              continue; // the row of an empty page: the count only
            }
            if (page.size() == limit) {
              more = true;
              break;
            }
            page.add(notification(r).put("read", r.getBoolean("read")));
            last = r.getLong("nid");
          }
          return new Page(page, more ? last : null, unread);
        });
  }

  Future<Long> unreadCount(SqlClient client, String user, List<String> roles) {
    return client.preparedQuery(unread("$1", "$2"))
        .execute(args(user, roles.toArray(new String[0])))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Marks one notification read; false when the user has no such notification (theirs or their role's). */
  Future<Boolean> markRead(SqlConnection conn, String user, List<String> roles, String id) {
    return conn.preparedQuery("WITH old AS (SELECT i.nid, i.read FROM inbox i JOIN notifications n ON n.nid = i.nid "
            + "WHERE n.id = $3 AND i.user_id = $1), "
            + "mine AS (UPDATE inbox SET read = true FROM old WHERE inbox.user_id = $1 AND inbox.nid = old.nid AND NOT old.read "
            + "RETURNING inbox.nid), "
            + "counted AS (UPDATE inbox_counts SET unread = unread - (SELECT count(*) FROM mine) WHERE user_id = $1), "
            + roleOne("read")
            + "SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM role_one)")
        .execute(args(user, roles.toArray(new String[0]), id))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  Future<Void> markAllRead(SqlConnection conn, String user, List<String> roles) {
    return conn.preparedQuery("WITH mine AS (UPDATE inbox SET read = true WHERE user_id = $1 AND NOT read), "
            + "counted AS (UPDATE inbox_counts SET unread = 0 WHERE user_id = $1) "
            + "INSERT INTO inbox_role_state (user_id, nid, read) SELECT $1, n.nid, true FROM notifications n "
            + "LEFT JOIN inbox_role_state s ON s.user_id = $1 AND s.nid = n.nid "
            + "WHERE n.role = ANY($2::text[]) AND NOT coalesce(s.read, false) AND NOT coalesce(s.deleted, false) "
            + "ON CONFLICT (user_id, nid) DO UPDATE SET read = true")
        .execute(args(user, roles.toArray(new String[0])))
        .mapEmpty();
  }

  /** Deletes one notification from the user's inbox; false when the user has no such notification. */
  Future<Boolean> delete(SqlConnection conn, String user, List<String> roles, String id) {
    return conn.preparedQuery("WITH mine AS (DELETE FROM inbox USING notifications n "
            + "WHERE n.id = $3 AND inbox.nid = n.nid AND inbox.user_id = $1 RETURNING inbox.read), "
            + "counted AS (UPDATE inbox_counts SET unread = unread - (SELECT count(*) FROM mine WHERE NOT read) WHERE user_id = $1), "
            + roleOne("deleted")
            + "SELECT (SELECT count(*) FROM mine) + (SELECT count(*) FROM role_one)")
        .execute(args(user, roles.toArray(new String[0]), id))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  Future<Void> clear(SqlConnection conn, String user, List<String> roles) {
    return conn.preparedQuery("WITH mine AS (DELETE FROM inbox WHERE user_id = $1), "
            + "counted AS (UPDATE inbox_counts SET unread = 0 WHERE user_id = $1) "
            + "INSERT INTO inbox_role_state (user_id, nid, deleted) SELECT $1, n.nid, true FROM notifications n "
            + "WHERE n.role = ANY($2::text[]) ON CONFLICT (user_id, nid) DO UPDATE SET deleted = true")
        .execute(args(user, roles.toArray(new String[0])))
        .mapEmpty();
  }

  /**
   * The CTE that sets {@code flag} (read or deleted) in the user's ($1) state of the role
   * notification with id $3, if one of their roles ($2) holds it and they have not deleted it;
   * it returns the nid it set.
   */
  private static String roleOne(String flag) {
    return "role_one AS (INSERT INTO inbox_role_state (user_id, nid, " + flag + ") SELECT $1, n.nid, true FROM notifications n "
        + "WHERE n.id = $3 AND n.role = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM inbox_role_state s "
        + "WHERE s.user_id = $1 AND s.nid = n.nid AND s.deleted) "
        + "ON CONFLICT (user_id, nid) DO UPDATE SET " + flag + " = true RETURNING nid) ";
  }

  /** Inbox rows deleted by the statement before it ("gone": user_id, read) taken off their users' unread counters. */
  private static final String UNCOUNT_USERS = "UPDATE inbox_counts c SET unread = c.unread - d.n FROM (SELECT user_id, "
      + "count(*) FILTER (WHERE NOT read) AS n FROM gone GROUP BY user_id) d WHERE c.user_id = d.user_id";
  /** Role notifications deleted by the statement before it ("gone": role) taken off their roles' counters. */
  private static final String UNCOUNT_ROLES = "UPDATE role_counts c SET total = c.total - d.n FROM (SELECT role, count(*) AS n "
      + "FROM gone WHERE role IS NOT NULL GROUP BY role) d WHERE c.role = d.role";

  /**
   * Retention: keeps each user's newest {@code maxPerInbox} notifications (and each role's), drops
   * those older than the cutoff and those to users that no inbox holds any more (all deleted),
   * taking what it deletes off the counters (by difference, so a change made meanwhile counts).
   */
  Future<Void> trim(SqlClient client, int maxPerInbox, Instant olderThan) {
    OffsetDateTime cutoff = OffsetDateTime.ofInstant(olderThan, ZoneOffset.UTC);
    return client.preparedQuery("WITH gone AS (DELETE FROM inbox i USING (SELECT user_id, nid, "
            + "row_number() OVER (PARTITION BY user_id ORDER BY nid DESC) AS rn FROM inbox) r "
            + "WHERE i.user_id = r.user_id AND i.nid = r.nid AND r.rn > $1 RETURNING i.user_id, i.read) " + UNCOUNT_USERS)
        .execute(Tuple.of(maxPerInbox))
        .compose(v -> client.preparedQuery("WITH gone AS (DELETE FROM inbox i USING notifications n "
                + "WHERE i.nid = n.nid AND n.created_at < $1 RETURNING i.user_id, i.read) " + UNCOUNT_USERS)
            .execute(Tuple.of(cutoff)))
        .compose(v -> client.preparedQuery("WITH gone AS (DELETE FROM notifications n USING (SELECT nid, "
                + "row_number() OVER (PARTITION BY role ORDER BY nid DESC) AS rn FROM notifications WHERE role IS NOT NULL) r "
                + "WHERE n.nid = r.nid AND (r.rn > $1 OR n.created_at < $2) RETURNING n.role) " + UNCOUNT_ROLES)
            .execute(Tuple.of(maxPerInbox, cutoff)))
        .compose(v -> client.preparedQuery("DELETE FROM notifications n WHERE n.role IS NULL "
                + "AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.nid = n.nid)")
            .execute())
        .mapEmpty();
  }

  /** Parameters as given: Tuple.of would spread an array argument into several. */
  private static Tuple args(Object... values) {
    Tuple t = Tuple.tuple();
    for (Object v : values) {
      t.addValue(v);
    }
    return t;
  }

  private static JsonObject notification(Row r) {
    String data = r.getString("data");
    return json(r.getString("id"), r.getString("type"), r.getString("title"), r.getString("body"),
        data == null ? null : Json.decodeValue(data), r.getOffsetDateTime("created_at").toInstant());
  }

  private static JsonObject json(String id, String type, String title, String body, Object data, Instant at) {
    JsonObject json = new JsonObject().put("id", id).put("type", type).put("title", title);
    if (body != null) {
      json.put("body", body);
    }
    if (data != null) {
      json.put("data", data);
    }
    return json.put("createdAt", at.toString());
  }
}
