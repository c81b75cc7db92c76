package dev.herald.journal;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;

/** The one way events are read back from the {@code events} table: its columns and their mapping. */
public final class EventRows {

  /** The columns {@link #event} reads, for a SELECT over {@code events} (aliased {@code e}). */
  public static final String COLUMNS = "e.channel, e.seq, e.id, e.type, e.data::text AS data, e.ts";

  private EventRows() {
  }

  public static Event event(Row row) {
    return new Event(row.getString("channel"), row.getLong("seq"), row.getString("id"), row.getString("type"),
        row.getString("data"), row.getOffsetDateTime("ts").toInstant());
  }

  /** Every row, in the order read. */
  public static List<Event> all(RowSet<Row> rows) {
    List<Event> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      events.add(event(row));
    }
    return events;
  }
}
