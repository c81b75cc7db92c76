package dev.herald.journal;

import dev.herald.core.ChannelName;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stores a group of fresh events in one SQL statement: bump each channel's head by its number of
 * events (locking the channel rows in name order, so nodes never deadlock and seq stays gap-free)
 * and insert the events numbered back from the new head. One statement is atomic by itself, so
 * without hooks there is no BEGIN/COMMIT round trip at all.
 */
final class AppendStatement {

  private static final String SQL = "WITH heads AS ("
      + " INSERT INTO channels (name, namespace, last_seq)"
      + " SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ORDER BY 1"
      + " ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + EXCLUDED.last_seq"
      + " RETURNING name, last_seq),"
      + " stored AS ("
      + " INSERT INTO events (channel, seq, id, client_id, type, data, ts)"
      + " SELECT x.c, h.last_seq - x.back, x.i, x.ci, x.t, x.d::json, $10"
      + " FROM unnest($4::text[], $5::bigint[], $6::text[], $7::boolean[], $8::text[], $9::text[]) AS x(c, back, i, ci, t, d)"
      + " JOIN heads h ON h.name = x.c)"
      + " SELECT name, last_seq FROM heads";

  private final List<NewEvent> events;
  private final Instant ts;
  private final TreeMap<String, Long> perChannel = new TreeMap<>();
  /** For each event, how many events of its channel come after it in this group. */
  private final Long[] back;

  AppendStatement(List<NewEvent> events, Instant ts) {
    this.events = events;
    this.ts = ts;
    events.forEach(e -> perChannel.merge(e.channel(), 1L, Long::sum));
    back = new Long[events.size()];
    Map<String, Long> seen = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      String channel = events.get(i).channel();
      back[i] = perChannel.get(channel) - seen.merge(channel, 1L, Long::sum);
    }
  }

  /** Runs the statement; the stored events, in the order given. */
  Future<List<Event>> execute(SqlClient client) {
    return client.preparedQuery(SQL).execute(parameters()).map(rows -> {
      Map<String, Long> heads = new HashMap<>();
      rows.forEach(r -> heads.put(r.getString(0), r.getLong(1)));
      List<Event> stored = new ArrayList<>(events.size());
      for (int i = 0; i < events.size(); i++) {
        NewEvent e = events.get(i);
        stored.add(new Event(e.channel(), heads.get(e.channel()) - back[i], e.id(), e.type(), e.dataJson(), ts));
      }
      return stored;
    });
  }

  private Tuple parameters() {
    int c = perChannel.size();
    String[] names = perChannel.keySet().toArray(new String[c]);
    String[] namespaces = new String[c];
    for (int i = 0; i < c; i++) {
      namespaces[i] = ChannelName.namespace(names[i]);
    }
    int n = events.size();
    String[] channels = new String[n];
    String[] ids = new String[n];
    Boolean[] clientIds = new Boolean[n];
    String[] types = new String[n];
    String[] data = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = events.get(i);
      channels[i] = e.channel();
      ids[i] = e.id();
      clientIds[i] = e.clientId();
      types[i] = e.type();
      data[i] = e.dataJson();
    }
    return Tuple.tuple().addValue(names).addValue(namespaces).addValue(perChannel.values().toArray(new Long[c]))
        .addValue(channels).addValue(back).addValue(ids).addValue(clientIds).addValue(types).addValue(data)
        .addValue(OffsetDateTime.ofInstant(ts, ZoneOffset.UTC));
  }
}
