package dev.herald.webhooks;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.StorableJson;
import dev.herald.journal.Journal;
import dev.herald.journal.NewEvent;
import dev.herald.journal.Transaction;
import dev.herald.module.DocumentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Inbound webhooks: a delivery is verified before its body is read, then stored with the events
 * its source's router makes of it, in one transaction, before the sender is answered; a crash
 * after the answer loses nothing, and a delivery id seen before is answered from what was stored,
 * with no second effect. A delivery no rule can interpret is stored as failed (the dead-letter
 * list) and can be replayed once the routing is fixed.
 */
final class Webhooks {

  static final int MAX_DELIVERY_ID = 200;

  private final Map<String, WebhookSource> sources;
  private final WebhookStore store;
  private final Journal journal;
  private final Pool pool;
  private final DocumentChanges documents;

  Webhooks(Map<String, WebhookSource> sources, WebhookStore store, Journal journal, Pool pool, DocumentChanges documents) {
    this.sources = sources;
    this.store = store;
    this.journal = journal;
    this.pool = pool;
    this.documents = documents;
  }

  /** Verifies, stores and routes a delivery; the answer's {@code repeat} tells a redelivery. */
  Future<JsonObject> receive(String sourceName, Function<String, String> header, byte[] body) {
    WebhookSource source = source(sourceName);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    SignatureCheck.verify(source, header, body, now);
    String deliveryId = deliveryId(source, header, body);
    String text = new String(body, StandardCharsets.UTF_8);
    JsonObject payload = payload(text);
    return journal.transact(tx -> store.claim(tx.connection(), source.name(), deliveryId, text, now).compose(fresh -> fresh
        ? route(tx, source, deliveryId, payload).map(d -> d.answer(source.name(), false))
        : store.find(tx.connection(), source.name(), deliveryId).map(d -> d.answer(source.name(), true))));
  }

  /** The source's failed deliveries (API key). */
  Future<JsonObject> failed(Identity who, String sourceName, int limit) {
    requireServer(who);
    WebhookSource source = source(sourceName);
    return store.failed(pool, source.name(), limit).map(list -> new JsonObject().put("deliveries", list));
  }

  /** Routes a failed delivery again with the source's routing as configured now (API key). */
  Future<JsonObject> replay(Identity who, String sourceName, String deliveryId) {
    requireServer(who);
    WebhookSource source = source(sourceName);
    return journal.transact(tx -> store.find(tx.connection(), source.name(), deliveryId).compose(stored -> {
      if (stored == null || !"failed".equals(stored.status())) {
        throw HeraldException.notFound("no failed delivery " + deliveryId + " of source " + source.name());
      }
      return route(tx, source, deliveryId, payload(stored.body()));
    })).map(d -> {
      if (!"routed".equals(d.status())) {
        throw new HeraldException(422, "unroutable", "still not routable: " + d.reason());
      }
      return d.answer(source.name(), false);
    });
  }

  /**
   * Routes the payload and appends its events (each id once), makes the document changes of the
   * events that were new, and records the outcome with the delivery.
   */
  private Future<WebhookStore.Delivery> route(Transaction tx, WebhookSource source, String deliveryId, JsonObject payload) {
    WebhookRouter.Routed routed;
    try {
      routed = source.router().route(payload, deliveryId);
    } catch (WebhookRouter.Unroutable e) {
      return store.settle(tx.connection(), source.name(), deliveryId, "failed", null, e.getMessage())
          .map(v -> new WebhookStore.Delivery(deliveryId, "failed", null, e.getMessage(), null, null));
    }
    return tx.appendOnce(routed.events()).compose(added -> {
      Set<String> fresh = new HashSet<>();
      added.forEach(e -> fresh.add(e.id()));
      // only the effects of new events, and (for changes) in collections this node's config declares
      List<WebhookRouter.DocEffect> due = routed.documents().stream().filter(d -> fresh.contains(d.eventId())
          && (d.change() == null || documents.declares(d.change().collection()))).toList();
      return documentEffects(tx, source.name(), due, 0).compose(v -> {
        JsonObject result = new JsonObject().put("events", added.size());
        return store.settle(tx.connection(), source.name(), deliveryId, "routed", result, null)
            .map(w -> new WebhookStore.Delivery(deliveryId, "routed", result, null, null, null));
      });
    });
  }

  /** One effect after the other: a change (remembering what it found), or the undoing of an earlier event's changes. */
  private Future<Void> documentEffects(Transaction tx, String source, List<WebhookRouter.DocEffect> effects, int i) {
    if (i == effects.size()) {
      return Future.succeededFuture();
    }
    WebhookRouter.DocEffect effect = effects.get(i);
    Future<Void> done;
    if (effect.undoes() != null) {
      done = store.takeUndo(tx.connection(), source, effect.undoes()).compose(undo -> {
        List<DocumentChanges.Change> restore = undo.stream().map(u -> new DocumentChanges.Change(
            u.before() == null ? DocumentChanges.Kind.DELETE : DocumentChanges.Kind.REPLACE, u.collection(), u.docId(), u.before()))
            .toList();
        return restore.isEmpty() ? Future.succeededFuture() : documents.apply(tx, restore).mapEmpty();
      });
    } else {
      DocumentChanges.Change change = effect.change();
      done = documents.apply(tx, List.of(change)).compose(before ->
          store.remember(tx.connection(), source, effect.eventId(), i, change.collection(), change.id(), before.get(0)));
    }
    return done.compose(v -> documentEffects(tx, source, effects, i + 1));
  }

  private WebhookSource source(String name) {
    WebhookSource source = sources.get(name);
    if (source == null) {
      throw new HeraldException(404, "unknown_source", "no webhook source " + shown(name) + " is configured here (or it has no secret)");
    }
    return source;
  }

  /** The sender's delivery id, or the body's SHA-256 when it sends none (an identical body is then the same delivery). */
  private static String deliveryId(WebhookSource source, Function<String, String> header, byte[] body) {
    String id = header.apply(source.deliveryHeader());
    if (id == null || id.isBlank()) {
      return "sha256:" + SignatureCheck.sha256(body);
    }
    if (id.length() > MAX_DELIVERY_ID) {
      throw HeraldException.badRequest("invalid_delivery_id", source.deliveryHeader() + " is longer than " + MAX_DELIVERY_ID);
    }
    return StorableJson.requireText(id, source.deliveryHeader(), "invalid_delivery_id");
  }

  private static JsonObject payload(String text) {
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw HeraldException.badRequest("invalid_json", "the delivery's body is not valid JSON");
    }
    if (!(value instanceof JsonObject payload)) {
      throw HeraldException.badRequest("invalid_payload", "the delivery's body must be a JSON object");
    }
    StorableJson.require(payload, "the payload", "invalid_payload");
    return payload;
  }

  private static void requireServer(Identity who) {
    if (!who.isServer()) {
      throw who.isAnonymous() ? HeraldException.unauthorized("the dead-letter list needs an API key")
          : HeraldException.forbidden("the dead-letter list needs an API key, not a user token");
    }
  }

  private static String shown(String name) {
    return "'" + (name.length() > 60 ? name.substring(0, 60) + "..." : name).replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }
}
