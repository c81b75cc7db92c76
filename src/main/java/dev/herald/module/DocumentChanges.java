package dev.herald.module;

import dev.herald.journal.Transaction;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Document writes another feature makes inside its own transaction (a webhook delivery upserting
 * listings), as a server: they commit, and reach live queries, with that transaction or not at all.
 */
public interface DocumentChanges {

  /** How a document changes: merged into (created when absent), replaced by the content, or deleted. */
  enum Kind { MERGE, REPLACE, DELETE }

  record Change(Kind kind, String collection, String id, JsonObject content) {
  }

  /** Whether herald.yaml declares the collection (a feature that keeps documents only where it does). */
  boolean declares(String collection);

  /**
   * Applies the changes in order, in {@code tx}, and answers each document's content before its
   * change (null: it did not exist), so that the caller can restore it. A change the documents
   * refuse (an unknown collection, content they cannot store) fails the transaction.
   */
  Future<List<JsonObject>> apply(Transaction tx, List<Change> changes);
}
