package dev.herald.webhooks;

import dev.herald.core.GroupCommits;
import dev.herald.core.HeraldException;
import dev.herald.journal.Journal;
import dev.herald.journal.Transaction;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deliveries group-committed, as the journal commits publishes: while transactions are in flight,
 * the deliveries that come queue up, and the next transaction takes them all (claim, route, one
 * append, record). A busy source's deliveries all touch the same wallet channels, whose rows each
 * transaction holds to its commit: one transaction per delivery would take them one at a time.
 * When a group is refused (a document change that cannot be stored, say), each delivery is
 * committed on its own, and the one at fault is dead-lettered with the reason.
 */
final class DeliveryCommits extends GroupCommits<DeliveryCommits.Pending> {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryCommits.class);
  static final int MAX_DELIVERIES = 128;
  static final int GROUPS_IN_FLIGHT = 2;

  record Pending(Incoming delivery, Promise<JsonObject> answer) {
  }

  private final Journal journal;
  private final WebhookStore store;
  private final DeliveryRouting routing;

  DeliveryCommits(Journal journal, WebhookStore store, DeliveryRouting routing) {
    super(MAX_DELIVERIES, GROUPS_IN_FLIGHT);
    this.journal = journal;
    this.store = store;
    this.routing = routing;
  }

  /** The delivery's answer once it (or, for a repeat, the first one) is committed. */
  Future<JsonObject> submit(Incoming delivery) {
    Promise<JsonObject> answer = Promise.promise();
    enqueue(new Pending(delivery, answer));
    return answer.future();
  }

  @Override
  protected void commit(List<Pending> group, Runnable then) {
    journal.transact(tx -> run(tx, group)).onComplete(ar -> {
      if (ar.failed() && HeraldException.from(ar.cause()).status() != 503 && group.size() > 1) {
        commitEach(group, 0, then);
        return;
      }
      then.run();
      if (ar.failed()) {
        HeraldException failure = HeraldException.from(ar.cause());
        if (failure.status() < 500) { // what it routes to was refused (a document it cannot write): a dead letter
          deadLetter(group.get(0), failure.getMessage());
          return;
        }
        if (failure.status() != 503) {
          LOG.error("webhook delivery failed", ar.cause());
        }
        group.forEach(p -> p.answer().fail(failure.status() != 503
            ? HeraldException.unavailable("the delivery could not be stored; nothing was kept, send it again") : failure));
        return;
      }
      for (int i = 0; i < group.size(); i++) {
        group.get(i).answer().complete(ar.result().get(i));
      }
    });
  }

  /** Stores the delivery as failed, with the reason, for the dead-letter list and a replay once fixed. */
  private void deadLetter(Pending p, String reason) {
    Incoming d = p.delivery();
    WebhookStore.Delivery failed = new WebhookStore.Delivery(d.deliveryId(), "failed", null, reason, null, null);
    journal.transact(tx -> store.record(tx.connection(), List.of(d), List.of(failed)))
        .onSuccess(v -> p.answer().complete(failed.answer(d.source().name(), false)))
        .onFailure(e -> p.answer().fail(HeraldException.from(e)));
  }

  /**
   * Routes the group's new deliveries, records them, and answers each: one stored before (or a
   * second one of the same id in the group) is a repeat, answered with the stored (first) outcome
   * and not routed again, whatever its body.
   */
  private Future<List<JsonObject>> run(Transaction tx, List<Pending> group) {
    List<Incoming> all = group.stream().map(Pending::delivery).toList();
    return store.stored(tx.connection(), all).compose(before -> {
      List<Incoming> fresh = new ArrayList<>();
      Set<String> taken = new HashSet<>(before);
      for (Incoming d : all) {
        if (taken.add(d.key())) {
          fresh.add(d);
        }
      }
      return routing.route(tx, fresh).compose(outcomes -> store.record(tx.connection(), fresh, outcomes).compose(v -> {
        Map<String, JsonObject> answered = new HashMap<>();
        for (int i = 0; i < fresh.size(); i++) {
          answered.put(fresh.get(i).key(), outcomes.get(i).answer(fresh.get(i).source().name(), false));
        }
        List<Future<JsonObject>> answers = new ArrayList<>();
        Set<String> first = new HashSet<>();
        for (Incoming d : all) {
          String source = d.source().name();
          JsonObject own = answered.get(d.key());
          if (own != null) {
            answers.add(Future.succeededFuture(first.add(d.key()) ? own : own.copy().put("repeat", true)));
          } else {
            answers.add(store.find(tx.connection(), source, d.deliveryId()).map(stored -> stored.answer(source, true)));
          }
        }
        return Future.all(answers).map(f -> f.<JsonObject>list());
      }));
    });
  }
}
