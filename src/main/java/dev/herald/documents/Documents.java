package dev.herald.documents;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.journal.Journal;
import dev.herald.journal.Transaction;
import dev.herald.module.DocumentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Documents as users see them, over REST and live queries alike: the collections' row rules, writes
 * that commit the document, its rev and the collection's change (on its change log, and on its
 * channel if it has one) in one transaction ({@link DocumentCommits}, group-committed), and reads
 * that only ever return what the caller may read. API keys may do anything.
 *
 * <p>A document the caller may not read does not exist for it: reads, patches and deletes of it
 * are 404, a put over it is the same 403 as a put the create rule refuses.
 */
public final class Documents implements DocumentChanges {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_WRITES = 100;
  /** Rows a list reads before it answers what it has with a next token (a rare filter must not scan forever). */
  private static final int MAX_SCANNED = 10_000;

  private final Map<String, Collection> collections;
  private final DocumentStore store;
  private final DocumentCommits commits;
  final Filters filters = new Filters();

  Documents(JsonObject conf, DocumentStore store, Journal journal) {
    Map<String, Collection> all = new HashMap<>();
    for (String name : conf.fieldNames()) {
      Object c = conf.getValue(name);
      if (!(c instanceof JsonObject json)) {
        throw new IllegalArgumentException("collections." + name + " must be a map like {read: ..., write: ...}");
      }
      all.put(name, new Collection(name, json));
    }
    this.collections = Map.copyOf(all);
    this.store = store;
    this.commits = new DocumentCommits(journal, store);
  }

  /** The collection, or a 404. */
  Collection collection(String name) {
    Collection c = name == null ? null : collections.get(name);
    if (c == null) {
      throw Collection.unknown(String.valueOf(name));
    }
    return c;
  }

  /** A result of a write: the stored document (or {_id, _rev} of a delete), and whether it was created. */
  record Written(boolean created, JsonObject answer) {
  }

  /** A page of a list, and the token of the next (null at the end). */
  record Page(List<JsonObject> docs, String next) {
  }

  Future<JsonObject> get(Identity who, String collection, String id) {
    Collection c = collection(collection);
    DocWrite.requireId(id);
    DocRule.Caller caller = DocRule.Caller.of(who);
    return store.get(c.name(), id).map(text -> {
      JsonObject doc = text == null ? null : DocJson.parse(text);
      if (doc == null || !c.readable(caller, DocCel.doc(doc))) {
        throw WriteStep.notFound(c, id);
      }
      return doc;
    });
  }

  Future<Page> list(Identity who, String collection, String filterText, String orderBy, int limit, String after) {
    Collection c = collection(collection);
    DocFilter filter = filters.of(filterText);
    Order order = Order.parse(orderBy);
    Order.Cursor cursor = Order.Cursor.parse(after);
    DocRule.Caller caller = DocRule.Caller.of(who);
    return scan(null, c, caller, filter, order, cursor, limit, MAX_SCANNED);
  }

  /**
   * Reads in order from {@code after} until {@code limit} documents the caller may read pass the
   * filter, or {@code maxScanned} rows were read (the next token then continues from there); on
   * {@code client} (a snapshot's transaction), or the pool when null.
   */
  Future<Page> scan(SqlClient client, Collection c, DocRule.Caller caller, DocFilter filter,
      Order order, Order.Cursor after, int limit, int maxScanned) {
    DocFilter.Bound equal = filter.indexFor(caller.auth());
    List<JsonObject> docs = new ArrayList<>();
    return scanFrom(client, c, caller, filter, equal, order, after, limit, maxScanned, docs);
  }

  private Future<Page> scanFrom(SqlClient client, Collection c, DocRule.Caller caller, DocFilter filter, DocFilter.Bound equal,
      Order order, Order.Cursor after, int limit, int budget, List<JsonObject> docs) {
    int pageSize = Math.min(budget, Math.max(100, limit - docs.size()));
    SqlClient reader = client != null ? client : store.pool();
    return store.page(reader, c.name(), equal, order, after, pageSize).compose(rows -> {
      Order.Cursor last = after;
      for (DocumentStore.PageRow row : rows) {
        JsonObject doc = DocJson.parse(row.body());
        last = new Order.Cursor(row.sortKey(), row.id());
        Object cel = DocCel.doc(doc);
        if (c.readable(caller, cel) && filter.test(caller.auth(), cel)) {
          docs.add(doc);
          if (docs.size() == limit) {
            return Future.succeededFuture(new Page(docs, last.token()));
          }
        }
      }
      if (rows.size() < pageSize) {
        return Future.succeededFuture(new Page(docs, null));
      }
      if (budget - rows.size() <= 0) {
        return Future.succeededFuture(new Page(docs, last.token()));
      }
      return scanFrom(client, c, caller, filter, equal, order, last, limit, budget - rows.size(), docs);
    });
  }

  @Override
  public boolean declares(String collection) {
    return collections.containsKey(collection);
  }

  /**
   * {@link DocumentChanges} for other features: reads (and locks) the documents as they are, turns
   * each change into a write as a server (a merge onto what is there, a replace, a delete of what
   * exists), and runs them as one unit in the caller's transaction.
   */
  @Override
  public Future<List<JsonObject>> apply(Transaction tx, List<DocumentChanges.Change> changes) {
    Set<DocumentStore.Key> keys = new LinkedHashSet<>();
    changes.forEach(c -> keys.add(new DocumentStore.Key(collection(c.collection()).name(), DocWrite.requireId(c.id()))));
    return store.lock(tx.connection(), keys).compose(locked -> {
      Map<DocumentStore.Key, JsonObject> current = new HashMap<>();
      locked.forEach((k, stored) -> current.put(k, stored.doc()));
      List<JsonObject> before = new ArrayList<>();
      List<DocumentCommits.Resolved> writes = new ArrayList<>();
      for (DocumentChanges.Change c : changes) {
        DocumentStore.Key key = new DocumentStore.Key(c.collection(), c.id());
        JsonObject was = current.get(key);
        before.add(was == null ? null : DocJson.content(was));
        JsonObject now = switch (c.kind()) {
          case MERGE -> (JsonObject) DocJson.mergePatch(was == null ? new JsonObject() : DocJson.content(was), c.content());
          case REPLACE -> c.content();
          case DELETE -> null;
        };
        current.put(key, now);
        if (now != null || was != null) {
          writes.add(new DocumentCommits.Resolved(collection(c.collection()), new DocWrite(
              now == null ? DocWrite.Op.DELETE : DocWrite.Op.PUT, c.collection(), c.id(), now, null)));
        }
      }
      if (writes.isEmpty()) {
        return Future.succeededFuture(before);
      }
      return commits.runWithin(tx, new DocumentCommits.Unit(DocRule.Caller.of(Identity.SERVER), writes)).map(v -> before);
    });
  }

  /** One write, in a transaction of its own. */
  Future<Written> write(Identity who, DocWrite w) {
    return transaction(who, List.of(w)).map(results -> results.get(0));
  }

  /** Several writes, in order, all or nothing: the first refused one fails them all (its index in the message). */
  Future<List<Written>> transaction(Identity who, List<DocWrite> writes) {
    if (writes.isEmpty() || writes.size() > MAX_WRITES) {
      return Future.failedFuture(HeraldException.badRequest("invalid_transaction",
          "a transaction holds 1 to " + MAX_WRITES + " writes"));
    }
    List<DocumentCommits.Resolved> resolved = new ArrayList<>(writes.size());
    for (DocWrite w : writes) {
      String id = w.op() == DocWrite.Op.CREATE ? UUID.randomUUID().toString() : DocWrite.requireId(w.id());
      resolved.add(new DocumentCommits.Resolved(collection(w.collection()),
          new DocWrite(w.op(), w.collection(), id, w.body(), w.ifMatch())));
    }
    return commits.submit(new DocumentCommits.Unit(DocRule.Caller.of(who), resolved));
  }
}
