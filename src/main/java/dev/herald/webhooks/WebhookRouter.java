package dev.herald.webhooks;

import dev.herald.journal.NewEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** What a source's delivery becomes: channel events, with ids derived from the payload so that a redelivery adds nothing. */
interface WebhookRouter {

  /**
   * The events of a payload (delivered under {@code deliveryId}); a {@link Unroutable} when no rule
   * can interpret it (the delivery is dead-lettered).
   */
  List<NewEvent> route(JsonObject payload, String deliveryId);

  /** Why a delivery could not be routed: kept with it in the dead-letter list. */
  final class Unroutable extends RuntimeException {
    Unroutable(String reason) {
      super(reason, null, false, false);
    }
  }
}
