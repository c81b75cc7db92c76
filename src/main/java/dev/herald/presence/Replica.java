package dev.herald.presence;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One node's share of presence: for each channel, the users present through that node's sockets
 * (with their socket count and typing flag) and the node's viewer count. Owned by that node, copied
 * to the others; it dies with the node. {@code version} counts the deltas the owner has sent.
 */
final class Replica {

  /**
   * A user on a channel through one node; kept while it has connections or is typing. {@code infoAt}
   * is when the user last changed its info here (herald.presence.update), 0 for the info it joined
   * with: the newest change wins across nodes.
   */
  record Entry(JsonObject info, int connections, boolean typing, long infoAt) {
    static final Entry NONE = new Entry(null, 0, false);

    Entry(JsonObject info, int connections, boolean typing) {
      this(info, connections, typing, 0);
    }

    Entry withConnections(int n) {
      return new Entry(info, n, typing, infoAt);
    }

    Entry withTyping(boolean on) {
      return new Entry(info, connections, on, infoAt);
    }

    Entry withInfo(JsonObject newInfo, long at) {
      return new Entry(newInfo, connections, typing, at);
    }

    boolean isEmpty() {
      return connections <= 0 && !typing;
    }
  }

  private final String nodeId;
  private long version;
  private final Map<String, Map<String, Entry>> members = new HashMap<>();
  private final Map<String, Integer> viewers = new HashMap<>();

  Replica(String nodeId) {
    this.nodeId = nodeId;
  }

  String nodeId() {
    return nodeId;
  }

  long version() {
    return version;
  }

  void version(long version) {
    this.version = version;
  }

  Entry get(Key key) {
    Map<String, Entry> users = members.get(key.channel());
    Entry e = users == null ? null : users.get(key.userId());
    return e == null ? Entry.NONE : e;
  }

  void put(Key key, Entry entry) {
    if (entry.isEmpty()) {
      Map<String, Entry> users = members.get(key.channel());
      if (users != null && users.remove(key.userId()) != null && users.isEmpty()) {
        members.remove(key.channel());
      }
    } else {
      members.computeIfAbsent(key.channel(), c -> new HashMap<>()).put(key.userId(), entry);
    }
  }

  /** The users with an entry on the channel, by user id. */
  Map<String, Entry> users(String channel) {
    return members.getOrDefault(channel, Map.of());
  }

  /** Every (channel, user) with an entry. */
  List<Key> keys() {
    return members.entrySet().stream()
        .flatMap(channel -> channel.getValue().keySet().stream().map(user -> new Key(channel.getKey(), user)))
        .toList();
  }

  int viewers(String channel) {
    return viewers.getOrDefault(channel, 0);
  }

  void setViewers(String channel, int count) {
    if (count <= 0) {
      viewers.remove(channel);
    } else {
      viewers.put(channel, count);
    }
  }

  /** The channels where this node has viewers, with their counts. */
  Map<String, Integer> allViewers() {
    return viewers;
  }
}
