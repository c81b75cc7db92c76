package dev.herald.documents;

import dev.herald.core.DatabaseErrors;
import dev.herald.core.GroupCommits;
import dev.herald.core.HeraldException;
import dev.herald.journal.CheckedEvents;
import dev.herald.journal.Journal;
import dev.herald.journal.NewEvent;
import dev.herald.journal.Transaction;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Document writes, group-committed as the journal commits events: while transactions are in
 * flight, the units that come (a REST write, a transaction of writes) queue up, and the next
 * transaction takes them all. It locks every row the group touches in one statement, applies the
 * units in order in memory ({@link WriteStep}: a unit sees what the units before it wrote), stores
 * the rows in two statements and appends the changes in one, so the collection's change log (whose
 * head row every write of the collection must lock until its commit) is held for one commit per
 * group, not per write. A unit a rule or an If-Match refuses fails alone; the others commit.
 */
final class DocumentCommits extends GroupCommits<DocumentCommits.Pending> {

  private static final Logger LOG = LoggerFactory.getLogger(DocumentCommits.class);
  static final int MAX_UNITS = 256;
  /**
   * Groups in flight at once. A group is several round trips (lock, store, append, commit), each a
   * wait on PostgreSQL or the event loop; with two, one group's statements run while the other's
   * wait, and PostgreSQL's row locks still order them (the second waits on the first's rows and on
   * the change-log head, so seq order stays commit order).
   */
  static final int GROUPS_IN_FLIGHT = 2;

  /** A unit of writes, all or nothing, with the caller it is checked for. */
  record Unit(DocRule.Caller caller, List<Resolved> writes) {
  }

  /** A write with its collection found and its id known (a create's made up). */
  record Resolved(Collection collection, DocWrite write) {
  }

  record Pending(Unit unit, Promise<List<Documents.Written>> promise) {
  }

  /** Each unit's results, or why it was refused, in the order of the group. */
  private record Outcome(List<List<Documents.Written>> results, List<HeraldException> refusals) {
  }

  private final Journal journal;
  private final DocumentStore store;

  DocumentCommits(Journal journal, DocumentStore store) {
    super(MAX_UNITS, GROUPS_IN_FLIGHT);
    this.journal = journal;
    this.store = store;
  }

  Future<List<Documents.Written>> submit(Unit unit) {
    Promise<List<Documents.Written>> promise = Promise.promise();
    enqueue(new Pending(unit, promise));
    return promise.future();
  }

  /**
   * Commits the group, then runs {@code then}. When PostgreSQL refuses the group for a reason that
   * is neither a retry nor the database being away (values of some unit it cannot store), each unit
   * is committed on its own: only the one at fault fails.
   */
  @Override
  protected void commit(List<Pending> group, Runnable then) {
    journal.transact(tx -> run(tx, group)).onComplete(ar -> {
      if (ar.failed()) {
        HeraldException failure = HeraldException.from(ar.cause());
        if (failure.status() != 503 && group.size() > 1) {
          commitEach(group, 0, then);
          return;
        }
        then.run();
        HeraldException told = failure.status() == 503 ? HeraldException.unavailable(
            "the document store is busy or out of reach; nothing was written, try again") : refusal(ar.cause());
        group.forEach(p -> p.promise().fail(told));
        return;
      }
      then.run();
      Outcome outcome = ar.result();
      for (int i = 0; i < group.size(); i++) {
        HeraldException refused = outcome.refusals().get(i);
        if (refused != null) {
          group.get(i).promise().fail(refused);
        } else {
          group.get(i).promise().complete(outcome.results().get(i));
        }
      }
    });
  }

  /** One unit in a transaction another writer holds (a webhook's): committed with it; a refusal fails it. */
  Future<List<Documents.Written>> runWithin(Transaction tx, Unit unit) {
    return run(tx, List.of(new Pending(unit, null))).map(outcome -> {
      if (outcome.refusals().get(0) != null) {
        throw outcome.refusals().get(0);
      }
      return outcome.results().get(0);
    });
  }

  /** The group in one transaction: lock every row, apply the units in order, store, append the changes. */
  private Future<Outcome> run(Transaction tx, List<Pending> group) {
    Set<DocumentStore.Key> keys = new LinkedHashSet<>();
    group.forEach(p -> p.unit().writes().forEach(r -> keys.add(key(r))));
    return store.lock(tx.connection(), keys).compose(locked -> {
      Map<DocumentStore.Key, DocumentStore.Stored> rows = new HashMap<>(locked);
      Map<DocumentStore.Key, DocumentStore.Stored> written = new LinkedHashMap<>();
      List<CheckedEvents> changes = new ArrayList<>();
      List<List<Documents.Written>> results = new ArrayList<>();
      List<HeraldException> refusals = new ArrayList<>();
      for (Pending p : group) {
        Map<DocumentStore.Key, DocumentStore.Stored> mine = new LinkedHashMap<>();
        List<NewEvent> unitChanges = new ArrayList<>();
        CheckedEvents checked;
        List<Documents.Written> unitResults = new ArrayList<>();
        try {
          List<Resolved> writes = p.unit().writes();
          for (int i = 0; i < writes.size(); i++) {
            Resolved r = writes.get(i);
            DocumentStore.Key k = key(r);
            try {
              WriteStep.Applied applied = WriteStep.apply(r.collection(), p.unit().caller(), r.write(),
                  mine.containsKey(k) ? mine.get(k) : rows.get(k));
              mine.put(k, applied.row());
              unitChanges.addAll(applied.changes());
              unitResults.add(applied.written());
            } catch (HeraldException e) {
              throw writes.size() == 1 ? e : e.prefixed("write " + i + ": ");
            }
          }
          checked = tx.check(unitChanges);
        } catch (HeraldException refused) {
          results.add(null);
          refusals.add(refused);
          continue;
        }
        rows.putAll(mine);
        written.putAll(mine);
        changes.add(checked);
        results.add(unitResults);
        refusals.add(null);
      }
      Outcome outcome = new Outcome(results, refusals);
      if (written.isEmpty()) {
        return Future.succeededFuture(outcome);
      }
      return store.save(tx.connection(), written, locked.keySet())
          .compose(v -> tx.append(CheckedEvents.join(changes)))
          .map(v -> outcome);
    });
  }

  private static DocumentStore.Key key(Resolved r) {
    return new DocumentStore.Key(r.collection().name(), r.write().id());
  }

  /** Why a unit failed on its own: PostgreSQL refused its values (400), or a bug (500, logged). */
  private static HeraldException refusal(Throwable cause) {
    HeraldException refused = DatabaseErrors.refusal(cause, "invalid_document", "the document store refused this write");
    if (refused.status() >= 500) {
      LOG.error("document write failed", cause);
    }
    return refused;
  }
}
