package dev.herald.webhooks;

import dev.herald.journal.NewEvent;
import dev.herald.journal.Transaction;
import dev.herald.module.DocumentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes deliveries inside one transaction: each through its source's router, all their events
 * appended in one statement (an id already stored, or listed by an earlier delivery of the group,
 * is skipped), then the document changes of the events that were new. A delivery routed again
 * (a repeat) therefore changes nothing. A delivery no rule can route comes out failed; the others
 * go on. The caller records the outcomes.
 */
final class DeliveryRouting {

  private final WebhookStore store;
  private final DocumentChanges documents;

  DeliveryRouting(WebhookStore store, DocumentChanges documents) {
    this.store = store;
    this.documents = documents;
  }

  /** The outcome of each delivery, in order. */
  Future<List<WebhookStore.Delivery>> route(Transaction tx, List<Incoming> deliveries) {
    List<WebhookRouter.Routed> routed = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<NewEvent> events = new ArrayList<>();
    for (Incoming d : deliveries) {
      try {
        WebhookRouter.Routed r = d.source().router().route(d.payload(), d.deliveryId());
        routed.add(r);
        reasons.add(null);
        events.addAll(r.events());
      } catch (WebhookRouter.Unroutable e) {
        routed.add(null);
        reasons.add(e.getMessage());
      }
    }
    return tx.appendOnce(events).compose(added -> {
      // each stored event counts for the first delivery of the group that listed it
      Map<String, Integer> stored = new HashMap<>();
      added.forEach(e -> stored.merge(key(e.channel(), e.id()), 1, Integer::sum));
      List<WebhookStore.Delivery> outcomes = new ArrayList<>();
      List<Effects> effects = new ArrayList<>();
      for (int i = 0; i < deliveries.size(); i++) {
        Incoming d = deliveries.get(i);
        WebhookRouter.Routed r = routed.get(i);
        if (r == null) {
          outcomes.add(new WebhookStore.Delivery(d.deliveryId(), "failed", null, reasons.get(i), null, null));
          continue;
        }
        int count = 0;
        Set<String> fresh = new HashSet<>();
        for (NewEvent e : r.events()) {
          if (stored.merge(key(e.channel(), e.id()), -1, Integer::sum) >= 0) {
            count++;
            fresh.add(e.id());
          }
        }
        // only the effects of its new events, and (for changes) in collections this node's config declares
        effects.add(new Effects(d.source().name(), r.documents().stream().filter(x -> fresh.contains(x.eventId())
            && (x.change() == null || documents.declares(x.change().collection()))).toList()));
        outcomes.add(new WebhookStore.Delivery(d.deliveryId(), "routed", new JsonObject().put("events", count), null, null, null));
      }
      return effects(tx, effects, 0, 0).map(v -> outcomes);
    });
  }

  private record Effects(String source, List<WebhookRouter.DocEffect> effects) {
  }

  /** One effect after the other, delivery by delivery: a change (remembering what it found), or the undoing of an earlier event's. */
  private Future<Void> effects(Transaction tx, List<Effects> all, int delivery, int i) {
    if (delivery == all.size()) {
      return Future.succeededFuture();
    }
    Effects those = all.get(delivery);
    if (i == those.effects().size()) {
      return effects(tx, all, delivery + 1, 0);
    }
    WebhookRouter.DocEffect effect = those.effects().get(i);
    Future<Void> done;
    if (effect.undoes() != null) {
      done = store.takeUndo(tx.connection(), those.source(), effect.undoes()).compose(undo -> {
        List<DocumentChanges.Change> restore = undo.stream().map(u -> new DocumentChanges.Change(
            u.before() == null ? DocumentChanges.Kind.DELETE : DocumentChanges.Kind.REPLACE, u.collection(), u.docId(), u.before()))
            .toList();
        return restore.isEmpty() ? Future.succeededFuture() : documents.apply(tx, restore).mapEmpty();
      });
    } else {
      DocumentChanges.Change change = effect.change();
      done = documents.apply(tx, List.of(change)).compose(before ->
          store.remember(tx.connection(), those.source(), effect.eventId(), i, change.collection(), change.id(), before.get(0)));
    }
    return done.compose(v -> effects(tx, all, delivery, i + 1));
  }

  private static String key(String channel, String id) {
    return channel + '\u0000' + id;
  }
}
