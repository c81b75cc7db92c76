package dev.herald.documents;

import dev.herald.hub.Subscriber;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * One socket's live query (a register of {@code live:{collection}:{name}}), on the node's
 * {@link LiveQueries} context only. It is pending while its snapshot is read (changes that arrive
 * meanwhile wait in {@code buffer}), catching up while it replays the change log after a resume
 * point, live once it gets changes as they come, stalled while its socket's buffer is full (a fresh
 * snapshot follows once it drains: nothing is dropped silently).
 */
final class LiveQuery {

  enum State { PENDING, CATCHING_UP, LIVE, STALLED }

  /** Changes a pending query keeps while its snapshot is read; beyond, it takes a fresh snapshot. */
  static final int MAX_BUFFER = 10_000;

  final Subscriber socket;
  final String address;
  /** Its collection's watch on this node. */
  final CollectionWatch watch;
  final Order order;
  final int limit;
  QueryGroup group;
  State state = State.PENDING;
  /** The last change seq this query has accounted for (sent, or known to be in what it was sent). */
  long cursor;
  /** Bumped whenever the query starts over (snapshot, catch-up) or ends: a read that completes for an older epoch is dropped. */
  int epoch;
  /** Changes that came while pending; null otherwise (a node holds many live queries). */
  List<Change> buffer;
  boolean overflowed;
  boolean ended;
  /** The register, answered once the first frame (snapshot or first replayed page) is queued; null after. */
  Promise<Void> started;

  LiveQuery(Subscriber socket, String address, CollectionWatch watch, QueryGroup group, Order order, int limit) {
    this.socket = socket;
    this.address = address;
    this.watch = watch;
    this.group = group;
    this.order = order;
    this.limit = limit;
  }

  /** A change that came while the snapshot was read. */
  void buffer(Change change) {
    if (overflowed || buffer == null) {
      return;
    }
    if (buffer.size() >= MAX_BUFFER) {
      overflowed = true;
      buffer = new ArrayList<>();
      return;
    }
    buffer.add(change);
  }
}
