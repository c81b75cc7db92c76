package dev.herald.documents;

import dev.herald.core.Namespaces;
import dev.herald.journal.NewEvent;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One committed write of a document as its collection's change log holds it: the document before
 * and after (null when absent), at the collection's change {@code seq}. Every node's live queries
 * evaluate both sides, so a delete or a move out of a query is never missed.
 */
record Change(long seq, String id, JsonObject before, JsonObject after) {

  /** The events a write appends: its change on the log, and on the collection's channel when it has one. */
  static List<NewEvent> events(Collection c, String id, long rev, JsonObject before, JsonObject after) {
    List<NewEvent> events = new ArrayList<>(2);
    String eventId = id + "@" + rev;
    String data = new JsonObject().put("id", id).put("before", before).put("after", after).encode();
    events.add(new NewEvent(c.changeLog(), eventId, false, Namespaces.CHANGE_TYPE, data));
    if (c.channel != null) {
      String type = before == null ? "doc.created" : after == null ? "doc.deleted" : "doc.updated";
      JsonObject doc = after != null ? after : new JsonObject().put(DocJson.ID, id).put(DocJson.REV, rev);
      events.add(new NewEvent(c.channel, eventId, false, type, doc.encode()));
    }
    return events;
  }

  /** A change from its log event's seq and data ({id, before, after}), read exactly. */
  static Change of(long seq, String dataJson) {
    return of(seq, DocJson.parse(dataJson));
  }

  static Change of(long seq, JsonObject data) {
    return new Change(seq, data.getString("id"), data.getJsonObject("before"), data.getJsonObject("after"));
  }
}
