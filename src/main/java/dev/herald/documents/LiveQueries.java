package dev.herald.documents;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.JsonText;
import dev.herald.core.OnContext;
import dev.herald.core.Params;
import dev.herald.core.Timestamps;
import dev.herald.hub.Hub;
import dev.herald.hub.Subscriber;
import dev.herald.journal.Event;
import dev.herald.journal.History;
import dev.herald.journal.HistoryPage;
import dev.herald.module.SubscriptionSource;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Live queries on this node: a bridge {@code register} of {@code live:{collection}:{name}} with
 * headers {filter?, orderBy?, limit?, since?}. Without since, the query gets a {@code query.snapshot}
 * (read after it started watching the collection's changes, so nothing falls in between), then
 * {@code appear} / {@code update} / {@code disappear} as documents enter, change within and leave
 * its result. With since, the changes after it that concern the query come instead; when the change
 * log no longer holds them, a snapshot with {@code reset: true}. All state lives on this verticle's
 * context; no write of a document costs any database work per query.
 *
 * <p>Live changes keep the filtered set: orderBy and limit shape the snapshot only (there is no
 * live top-N window), so a query may get an update or appear for a document beyond its first page.
 */
final class LiveQueries extends VerticleBase implements SubscriptionSource {

  static final String PREFIX = "live:";
  static final int DEFAULT_LIMIT = 1000;
  static final int MAX_LIMIT = 10_000;
  /** Rows a snapshot reads at most looking for its documents (a rare filter over a huge collection). */
  private static final int MAX_SNAPSHOT_SCAN = 100_000;
  private static final int PAGE = 500;

  /** Where watches hand what they found. */
  interface Sink {
    void send(LiveQuery q, CollectionWatch.Outcome outcome, long seq);

    /** Writes what the sends since the last flush queued. */
    void flush();

    void resetAll(CollectionWatch watch);
  }

  private record Key(Subscriber socket, String address) {
  }

  private final Documents documents;
  private final DocumentStore store;
  private final Hub hub;
  private final History history;
  private final Map<String, CollectionWatch> watches = new HashMap<>();
  private final Map<Key, LiveQuery> queries = new HashMap<>();
  private final SocketWrites writes = new SocketWrites();
  private final Sink sink = new Sink() {
    @Override
    public void send(LiveQuery q, CollectionWatch.Outcome outcome, long seq) {
      LiveQueries.this.send(q, outcome, seq);
    }

    @Override
    public void flush() {
      writes.flush();
    }

    @Override
    public void resetAll(CollectionWatch watch) {
      for (QueryGroup g : List.copyOf(watch.groups.values())) {
        List.copyOf(g.live).forEach(q -> snapshot(q, true));
      }
    }
  };

  LiveQueries(Documents documents, DocumentStore store, Hub hub, History history) {
    this.documents = documents;
    this.store = store;
    this.hub = hub;
    this.history = history;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }

  // ---- SubscriptionSource: called by the bridge from any thread ----

  @Override
  public Future<Void> subscribe(Subscriber socket, Identity who, String address, JsonObject headers) {
    return OnContext.call(context, () -> {
      String rest = address.substring(PREFIX.length());
      int colon = rest.indexOf(':');
      if (colon <= 0 || colon == rest.length() - 1 || rest.length() > 300) {
        throw HeraldException.badRequest("invalid_address", "a live query's address is live:{collection}:{name}");
      }
      Collection collection = documents.collection(rest.substring(0, colon));
      DocFilter filter = documents.filters.of(text(headers, "filter"));
      Order order = Order.parse(text(headers, "orderBy"));
      long limit = Params.wholeNumber(headers.getValue("limit"), DEFAULT_LIMIT, "limit");
      if (limit < 1 || limit > MAX_LIMIT) {
        throw HeraldException.badRequest("invalid_limit", "a live query's limit is 1 to " + MAX_LIMIT);
      }
      Long since = headers.getValue("since") == null ? null : Params.since(headers.getValue("since"));
      Key key = new Key(socket, address);
      LiveQuery previous = queries.get(key);
      if (previous != null) {
        end(key, previous); // registered again: the new one replaces it
      }
      CollectionWatch watch = watchFor(collection);
      DocRule.Caller caller = DocRule.Caller.of(who);
      LiveQuery q = new LiveQuery(socket, address, watch, watch.group(groupKey(filter, caller), collection, filter, caller), order,
          (int) limit);
      watch.queries++;
      queries.put(key, q);
      q.started = Promise.promise();
      return watch.ready.transform(ar -> {
        if (q.ended) {
          return Future.succeededFuture();
        }
        if (ar.failed()) {
          end(key, q);
          return Future.failedFuture(HeraldException.unavailable(
              "cannot watch " + collection.name() + " right now: the store or the cluster is unreachable"));
        }
        if (since == null) {
          snapshot(q, false);
        } else {
          catchUp(q, since);
        }
        return q.started.future();
      });
    });
  }

  @Override
  public void unsubscribe(Subscriber socket, String address) {
    OnContext.run(context, () -> {
      Key key = new Key(socket, address);
      LiveQuery q = queries.get(key);
      if (q != null) {
        end(key, q);
      }
    });
  }

  @Override
  public void reidentified(Subscriber socket, String address, Identity who) {
    OnContext.run(context, () -> {
      LiveQuery q = queries.get(new Key(socket, address));
      if (q == null) {
        return;
      }
      // what the query may see is another set now: it starts over under the new identity
      CollectionWatch watch = q.watch;
      q.group.live.remove(q);
      watch.leave(q.group);
      DocRule.Caller caller = DocRule.Caller.of(who);
      q.group = watch.group(groupKey(q.group.filter, caller), q.group.collection, q.group.filter, caller);
      snapshot(q, true);
    });
  }

  // ---- on this verticle's context ----

  private CollectionWatch watchFor(Collection collection) {
    CollectionWatch existing = watches.get(collection.name());
    if (existing != null) {
      return existing;
    }
    CollectionWatch watch = new CollectionWatch(context, sink, error -> failAll(collection.name(), error));
    watches.put(collection.name(), watch);
    String log = collection.changeLog();
    // the feed first, then the head: every change after the head reaches the watch, so a query that
    // has caught up to it misses nothing
    watch.ready = OnContext.resume(context, hub.subscribe(watch, log, null).compose(v -> history.head(log)))
        .map(head -> {
          watch.applied = Math.max(watch.applied, head);
          return null;
        });
    return watch;
  }

  /** Reads the query's snapshot and its change seq in one transaction, then sends what came meanwhile. */
  private void snapshot(LiveQuery q, boolean reset) {
    CollectionWatch watch = q.watch;
    int epoch = ++q.epoch;
    q.group.live.remove(q);
    q.state = LiveQuery.State.PENDING;
    q.buffer = new ArrayList<>();
    q.overflowed = false;
    watch.pending.remove(q);
    watch.pending.add(q);
    QueryGroup g = q.group;
    Future<Object[]> read = store.consistentRead(conn -> store.changeSeq(conn, g.collection.changeLog())
        .compose(seq -> documents.scan(conn, g.collection, g.caller, g.filter, q.order, null, q.limit, MAX_SNAPSHOT_SCAN)
            .map(page -> new Object[] {seq, page.docs()})));
    OnContext.resume(context, read).onComplete(ar -> {
      if (q.epoch != epoch || q.ended) {
        return;
      }
      watch.pending.remove(q);
      if (ar.failed()) {
        fail(q, HeraldException.unavailable("cannot read the snapshot of " + q.address + " right now; register again"));
        return;
      }
      if (q.overflowed) {
        snapshot(q, true); // more changes came than a pending query keeps: read again
        return;
      }
      long seq = (Long) ar.result()[0];
      @SuppressWarnings("unchecked")
      List<JsonObject> docs = (List<JsonObject>) ar.result()[1];
      JsonObject data = new JsonObject().put("docs", new JsonArray(new ArrayList<>(docs))).put("seq", seq);
      if (reset) {
        data.put("reset", true);
      }
      writes.add(q.socket, frame(q.address, envelope("query.snapshot", g.collection.name(), seq, null, data)));
      q.cursor = seq;
      List<Change> meanwhile = q.buffer;
      q.buffer = null;
      replay(q, meanwhile);
      writes.flush();
      goLive(q);
      started(q);
    });
  }

  /** Replays the change log after {@code since}, page by page, then goes live; a fresh snapshot where it was trimmed. */
  private void catchUp(LiveQuery q, long since) {
    q.epoch++;
    q.state = LiveQuery.State.CATCHING_UP;
    q.cursor = since;
    readPage(q, q.epoch);
  }

  private void readPage(LiveQuery q, int epoch) {
    OnContext.resume(context, history.read(q.group.collection.changeLog(), q.cursor, PAGE)).onComplete(ar -> {
      if (q.epoch != epoch || q.ended) {
        return;
      }
      if (ar.failed()) {
        fail(q, HeraldException.unavailable("cannot read the changes of " + q.address + " right now; register again with since"));
        return;
      }
      HistoryPage page = ar.result();
      if (page.firstSeq() > q.cursor + 1 || q.cursor > page.lastSeq()) {
        snapshot(q, true); // retention trimmed changes it needs (or it resumes from a seq never written)
        return;
      }
      List<Change> changes = new ArrayList<>(page.events().size());
      for (Event e : page.events()) {
        changes.add(Change.of(e.seq(), e.dataJson()));
      }
      replay(q, changes);
      writes.flush();
      if (q.state != LiveQuery.State.STALLED) {
        if (page.events().size() == PAGE || q.cursor < q.watch.applied) {
          context.runOnContext(v -> readPage(q, epoch));
        } else {
          goLive(q);
        }
      }
      started(q);
    });
  }

  /** Sends what the changes after the query's cursor mean for it, in order. */
  private void replay(LiveQuery q, List<Change> changes) {
    for (Change c : changes) {
      if (c.seq() <= q.cursor) {
        continue;
      }
      Object before = c.before() == null ? null : DocCel.doc(c.before());
      Object after = c.after() == null ? null : DocCel.doc(c.after());
      CollectionWatch.Outcome outcome = CollectionWatch.Outcome.of(q.group, c, before, after);
      if (outcome != null) {
        send(q, outcome, c.seq());
        if (q.state == LiveQuery.State.STALLED) {
          return;
        }
      }
      q.cursor = c.seq();
    }
  }

  private void goLive(LiveQuery q) {
    q.state = LiveQuery.State.LIVE;
    q.group.live.add(q);
  }

  /**
   * Writes a change to the query's socket; a socket whose buffer is full stalls the query instead,
   * and it takes a fresh snapshot (reset) once the socket drains: a change is never dropped unsaid.
   */
  private void send(LiveQuery q, CollectionWatch.Outcome outcome, long seq) {
    if (q.socket.writeQueueFull()) {
      q.group.live.remove(q);
      q.state = LiveQuery.State.STALLED;
      int epoch = ++q.epoch;
      q.socket.whenDrained(() -> context.runOnContext(v -> {
        if (q.epoch == epoch && !q.ended) {
          snapshot(q, true);
        }
      }));
      return;
    }
    writes.add(q.socket, outcome.frame(q.address));
    q.cursor = seq;
  }

  /** The bridge frame that delivers an envelope on a live query's address. */
  static EncodedFrame frame(String address, String envelope) {
    StringBuilder frame = new StringBuilder(envelope.length() + address.length() + 40);
    JsonText.string(frame.append("{\"type\":\"rec\",\"address\":"), address).append(",\"body\":").append(envelope).append('}');
    return EncodedFrame.ofText(frame.toString());
  }

  /**
   * Its first frame is queued: the register is answered (the bridge acks it).
   * Always the last thing a handler does: answering may call straight back in (the bridge ends the
   * query of a socket that closed meanwhile), and the query must be in a settled state by then.
   */
  private static void started(LiveQuery q) {
    if (q.started != null) {
      q.started.tryComplete();
      q.started = null;
    }
  }

  /** The query cannot go on: the register fails (before its first frame) or the client gets an err on the address. */
  private void fail(LiveQuery q, HeraldException error) {
    Promise<Void> starting = q.started;
    q.started = null;
    end(new Key(q.socket, q.address), q);
    if (starting != null) {
      starting.tryFail(error);
    } else {
      q.socket.subscriptionFailed(q.address, error);
    }
  }

  /** A watch's feed failed: every query on it ends with the error. */
  private void failAll(String collection, HeraldException error) {
    for (Map.Entry<Key, LiveQuery> e : List.copyOf(queries.entrySet())) {
      if (e.getValue().group.collection.name().equals(collection)) {
        fail(e.getValue(), error);
      }
    }
  }

  private void end(Key key, LiveQuery q) {
    if (q.ended) {
      return;
    }
    queries.remove(key, q);
    q.ended = true;
    q.epoch++;
    q.group.live.remove(q);
    CollectionWatch watch = q.watch;
    watch.pending.remove(q);
    watch.leave(q.group);
    if (--watch.queries == 0) {
      String name = q.group.collection.name();
      watches.remove(name);
      hub.unsubscribe(watch, q.group.collection.changeLog());
    }
    started(q); // unregistered or closed before its first frame: the register is over all the same
  }

  private static QueryGroup.Key groupKey(DocFilter filter, DocRule.Caller caller) {
    return new QueryGroup.Key(filter.text(), caller.server(), caller.server() ? Map.of() : caller.auth());
  }

  private static String text(JsonObject headers, String name) {
    Object v = headers.getValue(name);
    if (v != null && !(v instanceof String)) {
      throw HeraldException.badRequest("invalid_" + name, name + " must be a string");
    }
    return (String) v;
  }

  /** A live query's envelope: {type, collection, seq, id?, data, ts}; the same text for every query of a group. */
  static String envelope(String type, String collection, long seq, String id, JsonObject data) {
    JsonObject e = new JsonObject().put("type", type).put("collection", collection).put("seq", seq);
    if (id != null) {
      e.put("id", id);
    }
    return e.put("data", data).put("ts", Timestamps.format(Instant.now())).encode();
  }
}
