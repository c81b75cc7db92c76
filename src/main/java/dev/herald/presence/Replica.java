package dev.herald.presence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One node's share of presence: for each channel, the users present through that node's sockets
 * (with their socket count and typing flag) and the node's viewer count. Owned by that node, copied
 * to the others; it dies with the node. {@code version} counts the deltas the owner has sent.
 */
final class Replica {

  /** A user on a channel through one node; kept while it has connections or is typing. */
  record Entry(JsonObject info, int connections, boolean typing) {
    static final Entry NONE = new Entry(null, 0, false);

    boolean isEmpty() {
      return connections <= 0 && !typing;
    }
  }

  final String nodeId;
  long version;
  private final Map<String, Map<String, Entry>> members = new HashMap<>();
  private final Map<String, Integer> viewers = new HashMap<>();

  Replica(String nodeId) {
    this.nodeId = nodeId;
  }

  Entry get(String channel, String userId) {
    Map<String, Entry> users = members.get(channel);
    Entry e = users == null ? null : users.get(userId);
    return e == null ? Entry.NONE : e;
  }

  void put(String channel, String userId, Entry entry) {
    if (entry.isEmpty()) {
      Map<String, Entry> users = members.get(channel);
      if (users != null && users.remove(userId) != null && users.isEmpty()) {
        members.remove(channel);
      }
    } else {
      members.computeIfAbsent(channel, c -> new HashMap<>()).put(userId, entry);
    }
  }

  Map<String, Entry> users(String channel) {
    return members.getOrDefault(channel, Map.of());
  }

  Map<String, Map<String, Entry>> allMembers() {
    return members;
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

  Map<String, Integer> allViewers() {
    return viewers;
  }

  // ---- wire format: {node, version, members:[{c,u,i,n,t}], viewers:[{c,v}]} ----

  static JsonObject entryJson(String channel, String userId, Entry e) {
    JsonObject json = new JsonObject().put("c", channel).put("u", userId).put("n", e.connections());
    if (e.info() != null && !e.info().isEmpty()) {
      json.put("i", e.info());
    }
    return e.typing() ? json.put("t", true) : json;
  }

  static Entry entryFrom(JsonObject json) {
    return new Entry(json.getJsonObject("i", new JsonObject()), json.getInteger("n", 0), json.getBoolean("t", false));
  }

  JsonObject toJson() {
    JsonArray entries = new JsonArray();
    members.forEach((channel, users) -> users.forEach((user, e) -> entries.add(entryJson(channel, user, e))));
    JsonArray counts = new JsonArray();
    viewers.forEach((channel, n) -> counts.add(new JsonObject().put("c", channel).put("v", n)));
    return new JsonObject().put("node", nodeId).put("version", version).put("members", entries).put("viewers", counts);
  }

  static Replica fromJson(JsonObject json) {
    Replica r = new Replica(json.getString("node"));
    r.version = json.getLong("version", 0L);
    json.getJsonArray("members", new JsonArray()).forEach(o -> {
      JsonObject e = (JsonObject) o;
      r.put(e.getString("c"), e.getString("u"), entryFrom(e));
    });
    json.getJsonArray("viewers", new JsonArray()).forEach(o -> {
      JsonObject v = (JsonObject) o;
      r.setViewers(v.getString("c"), v.getInteger("v", 0));
    });
    return r;
  }
}
