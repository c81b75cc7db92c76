package dev.herald.webhooks;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A verified delivery, read: its source, id, raw body (as stored) and payload. */
record Incoming(WebhookSource source, String deliveryId, String body, JsonObject payload, Instant receivedAt) {

  /** Source and delivery id: what makes a delivery the same one again. */
  String key() {
    return source.name() + '\u0000' + deliveryId;
  }
}
