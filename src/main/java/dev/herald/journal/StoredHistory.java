package dev.herald.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The journal's read side in PostgreSQL: pages of a channel's stored events, with its head and oldest kept seq. */
final class StoredHistory implements History {

  private final Pool pool;

  StoredHistory(Pool pool) {
    this.pool = pool;
  }

  /**
   * One statement, so one round trip and one snapshot: the page, the head and the oldest kept seq
   * agree, which is what lets a reader tell a seq retention trimmed from one not committed yet. A
   * row without a channel carries the head and the oldest kept seq (the first entry of the
   * (channel, seq) key); the others are the page. (A join repeating them on every row of the page
   * measured a third slower than the two queries this replaces; this costs the same.)
   */
  private static final String READ = page(">", "ASC");
  /** The same, for the page of events just before a seq (read newest first, so LIMIT keeps the newest). */
  private static final String READ_BEFORE = page("<", "DESC");

  private static String page(String comparison, String order) {
    return "SELECT NULL::text AS channel, NULL::bigint AS seq, NULL::text AS id, NULL::text AS type, "
        + "NULL::text AS data, NULL::timestamptz AS ts, "
        + "coalesce((SELECT last_seq FROM channels WHERE name = $1), 0) AS last_seq, "
        + "(SELECT min(seq) FROM events WHERE channel = $1) AS first_seq "
        + "UNION ALL (SELECT " + EventRows.COLUMNS + ", NULL, NULL FROM events e WHERE e.channel = $1 AND e.seq " + comparison
        + " $2 ORDER BY e.seq " + order + " LIMIT $3)";
  }

  @Override
  public Future<HistoryPage> read(String channel, long since, int limit) {
    return pageOf(READ, channel, since, limit);
  }

  /** Stored events with seq < before, the newest limit of them, ascending, with the oldest kept seq and the head. */
  Future<HistoryPage> readBefore(String channel, long before, int limit) {
    return pageOf(READ_BEFORE, channel, before, limit);
  }

  private Future<HistoryPage> pageOf(String sql, String channel, long seq, int limit) {
    return pool.preparedQuery(sql).execute(Tuple.of(channel, seq, limit)).map(rows -> {
      List<Event> events = new ArrayList<>(rows.size());
      long last = 0;
      Long first = null;
      for (Row row : rows) {
        if (row.getString("channel") == null) {
          last = row.getLong("last_seq");
          first = row.getLong("first_seq");
        } else {
          events.add(EventRows.event(row));
        }
      }
      // SQL does not promise the order of UNION ALL's rows; sorting rows that are in order costs a pass
      events.sort(Comparator.comparingLong(Event::seq));
      return new HistoryPage(events, first == null ? last + 1 : first, last);
    });
  }

  @Override
  public Future<Long> head(String channel) {
    return pool.preparedQuery("SELECT last_seq FROM channels WHERE name = $1")
        .execute(Tuple.of(channel))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }
}
