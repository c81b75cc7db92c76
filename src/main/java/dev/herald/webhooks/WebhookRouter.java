package dev.herald.webhooks;

import dev.herald.journal.NewEvent;
import dev.herald.module.DocumentChanges;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * What a source's delivery becomes: channel events, with ids derived from the payload so that a
 * redelivery adds nothing, and the document changes those events make.
 */
interface WebhookRouter {

  /** The events, and the document effects of some of them (made only when their event is new). */
  record Routed(List<NewEvent> events, List<DocEffect> documents) {
  }

  /**
   * A document change event {@code eventId} makes, or (with {@code undoes}) the undoing of every
   * document change event {@code undoes} made, back to what they found.
   */
  record DocEffect(String eventId, DocumentChanges.Change change, String undoes) {
  }

  /**
   * The events of a payload (delivered under {@code deliveryId}); a {@link Unroutable} when no rule
   * can interpret it (the delivery is dead-lettered).
   */
  Routed route(JsonObject payload, String deliveryId);

  /** The collections its rules must find declared (checked at start); a router that keeps documents only where they are says none. */
  default Set<String> requiredCollections() {
    return Set.of();
  }

  /** Why a delivery could not be routed: kept with it in the dead-letter list. */
  final class Unroutable extends RuntimeException {
    Unroutable(String reason) {
      super(reason, null, false, false);
    }
  }
}
