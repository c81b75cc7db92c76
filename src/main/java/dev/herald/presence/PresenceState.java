package dev.herald.presence;

import dev.herald.presence.PresenceEvent.Join;
import dev.herald.presence.PresenceEvent.Leave;
import dev.herald.presence.PresenceEvent.Typing;
import dev.herald.presence.PresenceEvent.Update;
import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The presence one node knows, as plain data (no timers, no bus): its own replica, a copy of every
 * other live node's, and the nodes Hazelcast reported gone. Like Phoenix's Tracker.State, whose merge
 * returns the joins and leaves, every change returns what this node's subscribers must be told,
 * found by comparing the merged view of each touched (channel, user) before and after. Every node
 * merges the replicas by the same rules, so each tells only its own subscribers.
 */
final class PresenceState {

  /** The cluster-wide view of one user on one channel. */
  private record Merged(JsonObject info, int connections, boolean typing) {
  }

  private final Replica local;
  private final Map<String, Replica> remote = new HashMap<>();
  /** A dropped node's id is remembered so that its late messages never bring its entries back. */
  private final Set<String> departed = new HashSet<>();

  PresenceState(String nodeId) {
    this.local = new Replica(nodeId);
  }

  /** This node's own replica: what its sockets stand for, sent to the others whole or by deltas. */
  Replica local() {
    return local;
  }

  boolean isDeparted(String node) {
    return departed.contains(node);
  }

  // ---- this node's entries ----

  Changes changeLocal(Key key, UnaryOperator<Entry> change) {
    Merged before = merged(key);
    Entry after = change.apply(local.get(key));
    local.put(key, after);
    return Changes.written(key, after, announce(key, before, merged(key)));
  }

  Changes changeViewers(String channel, int delta) {
    local.setViewers(channel, local.viewers(channel) + delta);
    return Changes.viewers(channel);
  }

  // ---- other nodes' entries ----

  /**
   * Applies another node's delta if it is the next one from a node this one has a replica of; else
   * changes nothing and returns empty: the caller needs that node's full replica.
   */
  Optional<Changes> applyDelta(Delta delta) {
    Replica r = remote.get(delta.node());
    if (r == null || delta.version() != r.version() + 1) {
      return Optional.empty();
    }
    r.version(delta.version());
    List<PresenceEvent> events = new ArrayList<>();
    delta.entries().forEach((key, entry) -> {
      Merged before = merged(key);
      r.put(key, entry);
      events.addAll(announce(key, before, merged(key)));
    });
    delta.viewers().forEach(r::setViewers);
    return Optional.of(Changes.remote(events, delta.viewers().keySet()));
  }

  /**
   * Takes another node's full replica in place of the copy held, announcing only the differences;
   * ignored when it is not newer than the copy, or comes from a departed node.
   */
  Changes replaceRemote(Replica next) {
    Replica current = remote.get(next.nodeId());
    if (departed.contains(next.nodeId()) || current != null && current.version() >= next.version()) {
      return Changes.NONE;
    }
    return replace(next.nodeId(), next);
  }

  /** Hazelcast dropped the member: its sockets are gone, and so is everything they stood for. */
  Changes dropNode(String node) {
    departed.add(node);
    return replace(node, null);
  }

  private Changes replace(String node, Replica next) {
    Replica previous = remote.get(node);
    Set<Key> affected = new HashSet<>();
    Set<String> viewerChannels = new HashSet<>();
    for (Replica r : new Replica[] {previous, next}) {
      if (r != null) {
        affected.addAll(r.keys());
        viewerChannels.addAll(r.allViewers().keySet());
      }
    }
    Map<Key, Merged> before = new HashMap<>();
    affected.forEach(key -> before.put(key, merged(key)));
    if (next == null) {
      remote.remove(node);
    } else {
      remote.put(node, next);
    }
    List<PresenceEvent> events = new ArrayList<>();
    affected.forEach(key -> events.addAll(announce(key, before.get(key), merged(key))));
    return Changes.remote(events, viewerChannels);
  }

  // ---- the merged view ----

  /** The channel's members cluster-wide, sorted by user id. */
  List<Member> members(String channel) {
    Set<String> users = new TreeSet<>();
    replicas().forEach(r -> users.addAll(r.users(channel).keySet()));
    List<Member> members = new ArrayList<>();
    for (String user : users) {
      Merged m = merged(new Key(channel, user));
      if (m.connections() > 0) {
        members.add(new Member(user, m.info(), m.connections()));
      }
    }
    return members;
  }

  /** The channel's viewers summed over the replicas. */
  int viewers(String channel) {
    return replicas().stream().mapToInt(r -> r.viewers(channel)).sum();
  }

  private List<Replica> replicas() {
    List<Replica> all = new ArrayList<>(remote.values());
    all.add(local);
    return all;
  }

  /**
   * The info of the replica with connections whose info changed last (the first such replica while
   * none changed it), the connections summed, typing anywhere.
   */
  private Merged merged(Key key) {
    JsonObject info = null;
    long infoAt = -1;
    int connections = 0;
    boolean typing = false;
    for (Replica r : replicas()) {
      Entry e = r.get(key);
      connections += e.connections();
      typing |= e.typing();
      if (e.connections() > 0 && e.infoAt() > infoAt) {
        info = e.info();
        infoAt = e.infoAt();
      }
    }
    return new Merged(info, connections, typing);
  }

  /**
   * A join when the user's total goes from 0 to more, a leave when it goes back to 0, an update when
   * a user who stays changes info, typing on any-node change.
   */
  private static List<PresenceEvent> announce(Key key, Merged before, Merged after) {
    List<PresenceEvent> events = new ArrayList<>(2);
    if (before.connections() == 0 && after.connections() > 0) {
      events.add(new Join(key.channel(), new Member(key.userId(), after.info(), after.connections())));
    } else if (before.connections() > 0 && after.connections() == 0) {
      events.add(new Leave(key.channel(), new Member(key.userId(), before.info(), 0)));
    } else if (after.connections() > 0 && !Objects.equals(before.info(), after.info())) {
      events.add(new Update(key.channel(), new Member(key.userId(), after.info(), after.connections())));
    }
    if (before.typing() != after.typing()) {
      events.add(new Typing(key.channel(), key.userId(), after.typing()));
    }
    return events;
  }
}
