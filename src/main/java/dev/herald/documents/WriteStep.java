package dev.herald.documents;

import dev.herald.core.HeraldException;
import dev.herald.core.Timestamps;
import dev.herald.journal.NewEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What one write does to a document's row, decided without the database: the caller's rules on the
 * stored version and the new one, If-Match, and the row and change that result. A document the
 * caller may not read does not exist for it: a patch or delete of it is 404, a put over it the same
 * 403 as a put the create rule refuses.
 */
final class WriteStep {

  /** What the write leaves: the row to store, the answer, and the events that carry the change. */
  record Applied(DocumentStore.Stored row, Documents.Written written, List<NewEvent> changes) {
  }

  private WriteStep() {
  }

  /** Applies the write to the row as the transaction holds it ({@code stored} null: the id was never used). */
  static Applied apply(Collection c, DocRule.Caller caller, DocWrite w, DocumentStore.Stored stored) {
    String id = w.id();
    JsonObject before = stored == null ? null : stored.doc();
    Object celBefore = before == null ? null : DocCel.doc(before);
    boolean hidden = before != null && !c.readable(caller, celBefore);
    if (hidden) {
      throw w.op() == DocWrite.Op.PUT ? mayNotWrite(caller, c, id) : notFound(c, id);
    }
    long currentRev = before == null ? 0 : stored.rev();
    if (w.ifMatch() != null && w.ifMatch() != currentRev) {
      throw HeraldException.conflict("rev_mismatch", "document " + id + " is at rev " + currentRev
          + (before == null ? " (absent)" : "") + ", not " + w.ifMatch(), new JsonObject().put("current", before));
    }
    if (before == null && (w.op() == DocWrite.Op.PATCH || w.op() == DocWrite.Op.DELETE)) {
      throw notFound(c, id);
    }
    // a tombstone keeps the rev of the delete, so an id's revs never repeat
    long rev = (stored == null ? 0 : stored.rev()) + 1;
    JsonObject after = w.op() == DocWrite.Op.DELETE ? null : stamped(id, rev, content(w, before));
    if (!caller.server()) {
      Object celAfter = after == null ? null : DocCel.doc(after);
      boolean allowed = before == null ? c.create.allows(caller, celAfter)
          : after == null ? c.delete.allows(caller, celBefore)
          : c.update.allows(caller, celBefore) && c.update.allows(caller, celAfter);
      if (!allowed) {
        throw mayNotWrite(caller, c, id);
      }
    }
    Documents.Written written = new Documents.Written(before == null,
        after != null ? after : new JsonObject().put(DocJson.ID, id).put(DocJson.REV, rev));
    return new Applied(new DocumentStore.Stored(rev, after), written, Change.events(c, id, rev, before, after));
  }

  /** The new document's fields: the body as given (create, put) or the stored fields merge-patched. */
  private static JsonObject content(DocWrite w, JsonObject before) {
    JsonObject given = DocJson.content(w.body() == null ? new JsonObject() : w.body());
    if (w.op() != DocWrite.Op.PATCH) {
      return given;
    }
    return DocJson.content((JsonObject) DocJson.mergePatch(DocJson.content(before), given));
  }

  private static JsonObject stamped(String id, long rev, JsonObject fields) {
    JsonObject doc = new JsonObject().put(DocJson.ID, id).put(DocJson.REV, rev)
        .put(DocJson.UPDATED_AT, Timestamps.format(Instant.now()));
    return doc.mergeIn(fields);
  }

  static HeraldException notFound(Collection c, String id) {
    return HeraldException.notFound("no document " + id + " in " + c.name());
  }

  private static HeraldException mayNotWrite(DocRule.Caller caller, Collection c, String id) {
    if (caller.anonymous()) {
      return HeraldException.unauthorized("a valid token is required to write documents in " + c.name());
    }
    return HeraldException.forbidden("this token may not write document " + id + " in " + c.name());
  }
}
