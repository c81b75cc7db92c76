package dev.herald.webhooks;

import dev.herald.core.Digests;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.StorableJson;
import dev.herald.core.UnicodeText;
import dev.herald.journal.Journal;
import dev.herald.module.DocumentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
  private final DeliveryRouting routing;
  private final DeliveryCommits commits;

  Webhooks(Map<String, WebhookSource> sources, WebhookStore store, Journal journal, Pool pool, DocumentChanges documents) {
    this.sources = sources;
    this.store = store;
    this.journal = journal;
    this.pool = pool;
    this.routing = new DeliveryRouting(store, documents);
    this.commits = new DeliveryCommits(journal, store, routing);
  }

  /** Verifies, stores and routes a delivery; the answer's {@code repeat} tells a redelivery. */
  Future<JsonObject> receive(String sourceName, Function<String, String> header, byte[] body) {
    WebhookSource source = source(sourceName);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    SignatureCheck.verify(source, header, body, now);
    String deliveryId = deliveryId(source, header, body);
    String text = new String(body, StandardCharsets.UTF_8);
    return commits.submit(new Incoming(source, deliveryId, text, payload(text), now));
  }

  /** The source's failed deliveries (API key). */
  Future<JsonObject> failed(Identity who, String sourceName, int limit) {
    who.requireServer("the dead-letter list");
    WebhookSource source = source(sourceName);
    return store.failed(pool, source.name(), limit).map(list -> new JsonObject().put("deliveries", list));
  }

  /** Routes a failed delivery again with the source's routing as configured now (API key). */
  Future<JsonObject> replay(Identity who, String sourceName, String deliveryId) {
    who.requireServer("the dead-letter list");
    WebhookSource source = source(sourceName);
    return journal.transact(tx -> store.find(tx.connection(), source.name(), deliveryId).compose(stored -> {
      if (stored == null || !"failed".equals(stored.status())) {
        throw HeraldException.notFound("no failed delivery " + deliveryId + " of source " + source.name());
      }
      return routing.route(tx, List.of(new Incoming(source, deliveryId, stored.body(), payload(stored.body()), stored.receivedAt())))
          .compose(outcomes -> store.settle(tx.connection(), source.name(), outcomes.get(0)).map(v -> outcomes.get(0)));
    })).map(d -> {
      if (!"routed".equals(d.status())) {
        throw new HeraldException(422, "unroutable", "still not routable: " + d.reason());
      }
      return d.answer(source.name(), false);
    });
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
      return "sha256:" + HexFormat.of().formatHex(Digests.sha256(body));
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

  private static String shown(String name) {
    return "'" + UnicodeText.printable(name, 60) + "'";
  }
}
