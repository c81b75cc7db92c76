package dev.herald.outbound;

import dev.herald.journal.CommitHook;
import dev.herald.journal.Event;
import dev.herald.journal.NewEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Queues each {@code notification} event on a {@code user:{id}} channel for outbound delivery, in
 * the transaction that stores it: a notification is never committed without its delivery, nor
 * delivered without being committed. Whether the user is online is asked when it is sent.
 */
final class OutboundQueue implements CommitHook<Boolean, Void> {

  static final String USER = "user:";

  @Override
  public boolean concerns(String channel, String type) {
    return "notification".equals(type) && channel.startsWith(USER);
  }

  @Override
  public Boolean check(NewEvent event) {
    return Boolean.TRUE;
  }

  @Override
  public Future<Void> inTransaction(SqlConnection conn, List<Boolean> readings, Future<List<Event>> stored) {
    return stored.compose(events -> {
      List<String> ids = new ArrayList<>();
      List<String> users = new ArrayList<>();
      List<String> payloads = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        if (readings.get(i) != null) {
          Event e = events.get(i);
          ids.add(e.id());
          users.add(e.channel().substring(USER.length()));
          payloads.add(e.dataJson());
        }
      }
      return conn.preparedQuery("INSERT INTO outbound_deliveries (delivery_id, user_id, payload) "
              + "SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (delivery_id) DO NOTHING")
          .execute(Tuple.tuple().addValue(ids.toArray(new String[0])).addValue(users.toArray(new String[0]))
              .addValue(payloads.toArray(new String[0])))
          .mapEmpty();
    });
  }

  @Override
  public void committed(Void result) {
  }
}
