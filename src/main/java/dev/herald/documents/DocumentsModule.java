package dev.herald.documents;

import dev.herald.core.Authenticator;
import dev.herald.core.Identity;
import dev.herald.hub.Hub;
import dev.herald.journal.Journal;
import dev.herald.module.BridgeService;
import dev.herald.module.DocumentChanges;
import dev.herald.module.Module;
import dev.herald.module.SubscriptionSource;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;

/**
 * JSON documents in collections declared in herald.yaml: REST reads and writes under per-collection
 * row rules, multi-document transactions, and live queries over the bridge. A write commits the
 * document with its collection's change (the internal channel {@code doclog:{collection}}), which
 * the journal broadcasts after the commit like any event; each node evaluates its own live queries.
 */
public final class DocumentsModule implements Module {

  private final Documents documents;
  private final LiveQueries live;
  private final Authenticator auth;

  public DocumentsModule(JsonObject collections, Pool pool, Journal journal, Hub hub, Authenticator auth) {
    DocumentStore store = new DocumentStore(pool);
    this.documents = new Documents(collections, store, journal);
    this.live = new LiveQueries(documents, store, hub, journal);
    this.auth = auth;
  }

  /** Document writes for other features, inside their own transactions (webhooks upserting listings). */
  public DocumentChanges changes() {
    return documents;
  }

  /** A write as a server (an API key) makes it, {op, collection, id, doc?|patch?, ifMatch?}: the stored document. */
  public Future<JsonObject> write(JsonObject write) {
    return documents.write(Identity.SERVER, DocWrite.parse(write, "invalid_document", "the write")).map(Documents.Written::answer);
  }

  /** One document as a server (an API key) reads it; 404 when there is none. */
  public Future<JsonObject> read(String collection, String id) {
    return documents.get(Identity.SERVER, collection, id);
  }

  @Override
  public List<Deployable> verticles() {
    return List.of(live);
  }

  @Override
  public void mount(Router router) {
    new DocumentRoutes(documents, auth).mount(router);
  }

  /**
   * herald.docs.write: one write as a transaction's item, answered as REST answers it (the doc);
   * a stale ifMatch is a 409 err whose {@code current} is the document as it is.
   */
  @Override
  public Map<String, BridgeService> bridgeServices() {
    return Map.of("herald.docs.write", (socket, who, body) ->
        documents.write(who, DocWrite.parse(body, "invalid_write", "the write")).map(Documents.Written::answer));
  }

  @Override
  public Map<String, SubscriptionSource> subscriptionSources() {
    return Map.of(LiveQueries.PREFIX, live);
  }
}
