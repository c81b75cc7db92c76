package dev.herald.presence;

import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps every node's copy of every other node's replica current. Local changes are batched into one
 * versioned delta, published once for all nodes; a newcomer says hello and every node sends it its
 * full replica; a node receiving a delta that does not follow the last one it applied (a gap, or a
 * node it never heard of) asks that node for its full replica, once at a time. Messages from this
 * node itself or from a departed one are ignored. It sends through a {@link Transport} and returns
 * what a message changed, so that nodes can be wired together in a test without a cluster.
 */
final class ReplicaSync {

  /** How protocol messages leave this node: the event bus in a cluster, a list in a test. */
  interface Transport {

    /** To every node, this one included. */
    void publish(JsonObject message);

    /** To one node. */
    void send(String node, JsonObject message);
  }

  private final PresenceState state;
  private final Transport transport;
  /** Local entries (as last written) and viewer counts changed since the last delta. */
  private final Map<Key, Entry> pendingEntries = new LinkedHashMap<>();
  private final Set<String> pendingViewers = new LinkedHashSet<>();
  /**
   * How long an unanswered request for a full replica stands before a later gap asks again: a
   * request can be lost (sent while the cluster was still forming, before the other node listened),
   * and a replica that waited for it forever would stay wrong.
   */
  static final long SYNC_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** Nodes asked for their full replica and not answered yet, and when: the deltas after a gap ask once per retry interval. */
  private final Map<String, Long> syncRequested = new HashMap<>();
  private final LongSupplier clock;

  ReplicaSync(PresenceState state, Transport transport) {
    this(state, transport, System::nanoTime);
  }

  ReplicaSync(PresenceState state, Transport transport, LongSupplier clock) {
    this.state = state;
    this.transport = transport;
    this.clock = clock;
  }

  /**
   * Tells the cluster this node listens now, so that every node sends it its full replica and asks
   * for this one's. The node says it again a little later: one said while the cluster was still
   * forming may reach nobody.
   */
  void hello() {
    transport.publish(ReplicaMessages.hello(state.local().nodeId()));
  }

  /** Keeps what a change of this node's replica wrote for the next delta; true when a delta is due. */
  boolean queue(Changes local) {
    pendingEntries.putAll(local.written());
    pendingViewers.addAll(local.viewerChannels());
    return !pendingEntries.isEmpty() || !pendingViewers.isEmpty();
  }

  /** Sends what changed since the last delta, as one message: the latest state of each entry. */
  void flush() {
    if (pendingEntries.isEmpty() && pendingViewers.isEmpty()) {
      return;
    }
    Replica local = state.local();
    local.version(local.version() + 1);
    Map<String, Integer> viewers = new LinkedHashMap<>();
    pendingViewers.forEach(channel -> viewers.put(channel, local.viewers(channel)));
    Delta delta = new Delta(local.nodeId(), local.version(), new LinkedHashMap<>(pendingEntries), viewers);
    pendingEntries.clear();
    pendingViewers.clear();
    transport.publish(ReplicaMessages.delta(delta));
  }

  /** A message published to every node: a hello or a delta. */
  Changes received(JsonObject message) {
    String node = message.getString("node");
    if (state.local().nodeId().equals(node) || state.isDeparted(node)) {
      return Changes.NONE;
    }
    String type = message.getString("type");
    if (ReplicaMessages.HELLO.equals(type)) {
      // both ways: what this node holds for the newcomer, and the newcomer's own (its first deltas
      // may have gone out before it saw this node listening, and a quiet channel sends no more)
      sendFull(node);
      askFull(node, clock.getAsLong());
    } else if (ReplicaMessages.DELTA.equals(type)) {
      return applyDelta(node, message);
    }
    return Changes.NONE;
  }

  /** A message sent to this node only: a request for its full replica, or another node's full replica. */
  Changes receivedDirect(JsonObject message) {
    String type = message.getString("type");
    if (ReplicaMessages.SYNC.equals(type)) {
      sendFull(message.getString("from"));
    } else if (ReplicaMessages.FULL.equals(type)) {
      Replica replica = ReplicaMessages.readFull(message);
      syncRequested.remove(replica.nodeId());
      return state.replaceRemote(replica);
    }
    return Changes.NONE;
  }

  /**
   * Asks again every node whose full replica was asked for over the retry interval ago and never
   * came: without a later delta from it (a quiet channel), nothing else would.
   */
  void retryOverdue() {
    long now = clock.getAsLong();
    syncRequested.replaceAll((node, asked) -> {
      if (now - asked > SYNC_RETRY_NANOS) {
        transport.send(node, ReplicaMessages.sync(state.local().nodeId()));
        return now;
      }
      return asked;
    });
  }

  /** Hazelcast reported the node gone: its replica goes, and an open request to it will never be answered. */
  Changes nodeGone(String node) {
    syncRequested.remove(node);
    return state.dropNode(node);
  }

  private Changes applyDelta(String node, JsonObject message) {
    Optional<Changes> applied = state.applyDelta(ReplicaMessages.readDelta(message));
    long now = clock.getAsLong();
    Long asked = syncRequested.get(node);
    if (applied.isEmpty() && (asked == null || now - asked > SYNC_RETRY_NANOS)) {
      askFull(node, now); // never heard of it, or we missed a delta (once at a time, again if lost)
    }
    return applied.orElse(Changes.NONE);
  }

  private void askFull(String node, long now) {
    syncRequested.put(node, now);
    transport.send(node, ReplicaMessages.sync(state.local().nodeId()));
  }

  private void sendFull(String node) {
    transport.send(node, ReplicaMessages.full(state.local()));
  }
}
