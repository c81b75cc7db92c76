package dev.herald.documents;

import dev.herald.core.HeraldException;
import dev.herald.hub.Subscriber;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One collection's live queries on one node, and the node's single subscription to the
 * collection's change log (through the hub: one cluster consumer, changes in seq order, none
 * missed). Each change is evaluated once per group of identical queries, and only for the groups
 * it can match: groups are indexed by an equality of their filter, looked up with the values the
 * document had before and after. Runs on the {@link LiveQueries} context only.
 */
final class CollectionWatch implements Subscriber {

  private final Context context;
  private final LiveQueries.Sink sink;
  /** Completes once the watch hears the collection's changes and knows the head it starts from. */
  Future<Void> ready;
  /** The last change seq this node has seen of the collection (or its head when the watch opened). */
  long applied;
  final List<LiveQuery> pending = new ArrayList<>();
  final Map<QueryGroup.Key, QueryGroup> groups = new HashMap<>();
  /** field -> value key -> groups whose filter needs doc.field == that value. */
  private final Map<String, Map<String, Set<QueryGroup>>> indexed = new HashMap<>();
  private final Set<QueryGroup> unindexed = new LinkedHashSet<>();
  private final Consumer<HeraldException> failed;
  /** Queries of the collection on this node, in any state; the watch closes with the last. */
  int queries;

  CollectionWatch(Context context, LiveQueries.Sink sink, Consumer<HeraldException> failed) {
    this.context = context;
    this.sink = sink;
    this.failed = failed;
  }

  QueryGroup group(QueryGroup.Key key, Collection collection, DocFilter filter, DocRule.Caller caller) {
    QueryGroup g = groups.computeIfAbsent(key, k -> {
      QueryGroup made = new QueryGroup(k, collection, filter, caller);
      if (made.index == null) {
        unindexed.add(made);
      } else {
        indexed.computeIfAbsent(made.index.field(), f -> new HashMap<>())
            .computeIfAbsent(made.index.key(), v -> new LinkedHashSet<>()).add(made);
      }
      return made;
    });
    g.members++;
    return g;
  }

  void leave(QueryGroup g) {
    if (--g.members > 0) {
      return;
    }
    groups.remove(g.key);
    if (g.index == null) {
      unindexed.remove(g);
      return;
    }
    Map<String, Set<QueryGroup>> byValue = indexed.get(g.index.field());
    Set<QueryGroup> set = byValue.get(g.index.key());
    set.remove(g);
    if (set.isEmpty()) {
      byValue.remove(g.index.key());
      if (byValue.isEmpty()) {
        indexed.remove(g.index.field());
      }
    }
  }

  /** A change from the feed, in seq order. */
  void arrived(Change change) {
    applied = Math.max(applied, change.seq());
    pending.forEach(q -> q.buffer(change));
    Object before = change.before() == null ? null : DocCel.doc(change.before());
    Object after = change.after() == null ? null : DocCel.doc(change.after());
    for (QueryGroup g : candidates(change)) {
      if (!g.live.isEmpty()) {
        Outcome outcome = Outcome.of(g, change, before, after);
        if (outcome != null) {
          for (LiveQuery q : List.copyOf(g.live)) {
            if (change.seq() > q.cursor) {
              sink.send(q, outcome, change.seq());
            }
          }
        }
      }
    }
    sink.flush();
  }

  /** Groups a change may concern: those indexed by a value the document held before or after, and the unindexed. */
  private Set<QueryGroup> candidates(Change change) {
    Set<QueryGroup> found = new LinkedHashSet<>(unindexed);
    for (Map.Entry<String, Map<String, Set<QueryGroup>>> field : indexed.entrySet()) {
      for (JsonObject doc : new JsonObject[] {change.before(), change.after()}) {
        String key = DocFilter.keyOf(doc, field.getKey());
        Set<QueryGroup> hit = key == null ? null : field.getValue().get(key);
        if (hit != null) {
          found.addAll(hit);
        }
      }
    }
    return found;
  }

  /**
   * What a change means for one group: appear, update or disappear of a document, as an envelope
   * built once, and one frame per address the group's queries use (clients that open the same
   * query usually give it the same name: they share that frame too).
   */
  static final class Outcome {

    final String envelope;
    private final Map<String, EncodedFrame> frames = new HashMap<>(2);

    private Outcome(String envelope) {
      this.envelope = envelope;
    }

    static Outcome of(QueryGroup g, Change change, Object before, Object after) {
      boolean was = g.matches(before);
      boolean is = g.matches(after);
      if (!was && !is) {
        return null;
      }
      String type = !was ? "appear" : is ? "update" : "disappear";
      // a disappear carries the last version this query was allowed to see, never the new one
      JsonObject doc = is ? change.after() : change.before();
      return new Outcome(LiveQueries.envelope(type, g.collection.name(), change.seq(), change.id(), doc));
    }

    EncodedFrame frame(String address) {
      return frames.computeIfAbsent(address, a -> LiveQueries.frame(a, envelope));
    }
  }

  // ---- Subscriber: the hub's feed of the change log ----

  @Override
  public Context context() {
    return context;
  }

  @Override
  public void write(EncodedFrame frame) {
    JsonObject body = DocJson.parse(frame.text()).getJsonObject("body");
    if (Frames.HISTORY_TRUNCATED.equals(body.getString("type"))) {
      sink.resetAll(this); // retention trimmed changes before they reached this node: every query starts over
      return;
    }
    arrived(Change.of(body.getLong("seq"), body.getJsonObject("data")));
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void whenDrained(Runnable action) {
    action.run();
  }

  @Override
  public void subscriptionFailed(String channel, HeraldException error) {
    failed.accept(error);
  }
}
