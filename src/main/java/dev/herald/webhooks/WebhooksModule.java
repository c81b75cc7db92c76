package dev.herald.webhooks;

import dev.herald.core.Authenticator;
import dev.herald.journal.Journal;
import dev.herald.module.DocumentChanges;
import dev.herald.module.Module;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.util.Map;

/**
 * Inbound webhooks from the sources in herald.yaml ({@code webhooks:}): verified, committed with
 * the channel events (and document changes) they are routed to before the sender is answered,
 * idempotent on the delivery id, dead-lettered (and replayable) when they cannot be routed.
 */
public final class WebhooksModule implements Module {

  private final Webhooks webhooks;
  private final Authenticator auth;

  public WebhooksModule(JsonObject conf, Pool pool, Journal journal, DocumentChanges documents, Authenticator auth) {
    Map<String, WebhookSource> sources = WebhookSource.enabled(conf);
    sources.values().forEach(source -> source.router().requiredCollections().forEach(c -> {
      if (!documents.declares(c)) {
        throw new IllegalArgumentException("webhooks." + source.name() + ": its rules upsert into collection " + c
            + ", which collections: does not declare");
      }
    }));
    this.webhooks = new Webhooks(sources, new WebhookStore(), journal, pool, documents);
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    new WebhookRoutes(webhooks, auth).mount(router);
  }
}
