package dev.herald.presence;

import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The presence protocol's messages as they travel between nodes:
 * {@code {type:"hello", node}}, {@code {type:"delta", node, version, members, viewers}},
 * {@code {type:"full", node, version, members, viewers}} and {@code {type:"sync", from}}, where
 * members are {@code [{c, u, n, i?, t?}]} (channel, user, connections, info unless empty, typing when
 * set) and viewers {@code [{c, v}]}. Names are short because a delta goes to every node on every change.
 */
final class ReplicaMessages {

  static final String HELLO = "hello";
  static final String DELTA = "delta";
  static final String FULL = "full";
  static final String SYNC = "sync";

  private ReplicaMessages() {
  }

  /** A node that has just started listening: every node answers with its full replica. */
  static JsonObject hello(String node) {
    return new JsonObject().put("type", HELLO).put("node", node);
  }

  /** Asks a node for its full replica, to be sent to {@code from}. */
  static JsonObject sync(String from) {
    return new JsonObject().put("type", SYNC).put("from", from);
  }

  static JsonObject delta(Delta delta) {
    JsonArray members = new JsonArray();
    delta.entries().forEach((key, e) -> members.add(entry(key, e)));
    return new JsonObject().put("type", DELTA).put("node", delta.node()).put("version", delta.version())
        .put("members", members).put("viewers", viewers(delta.viewers()));
  }

  static Delta readDelta(JsonObject json) {
    Map<Key, Entry> entries = new LinkedHashMap<>();
    json.getJsonArray("members").forEach(o -> {
      JsonObject e = (JsonObject) o;
      entries.put(key(e), entry(e));
    });
    Map<String, Integer> viewers = new LinkedHashMap<>();
    json.getJsonArray("viewers").forEach(o -> {
      JsonObject v = (JsonObject) o;
      viewers.put(v.getString("c"), v.getInteger("v"));
    });
    return new Delta(json.getString("node"), json.getLong("version"), entries, viewers);
  }

  static JsonObject full(Replica replica) {
    JsonArray members = new JsonArray();
    replica.keys().forEach(key -> members.add(entry(key, replica.get(key))));
    return new JsonObject().put("node", replica.nodeId()).put("version", replica.version()).put("members", members)
        .put("viewers", viewers(replica.allViewers())).put("type", FULL);
  }

  static Replica readFull(JsonObject json) {
    Replica r = new Replica(json.getString("node"));
    r.version(json.getLong("version", 0L));
    json.getJsonArray("members", new JsonArray()).forEach(o -> {
      JsonObject e = (JsonObject) o;
      r.put(key(e), entry(e));
    });
    json.getJsonArray("viewers", new JsonArray()).forEach(o -> {
      JsonObject v = (JsonObject) o;
      r.setViewers(v.getString("c"), v.getInteger("v", 0));
    });
    return r;
  }

  private static JsonObject entry(Key key, Entry e) {
    JsonObject json = new JsonObject().put("c", key.channel()).put("u", key.userId()).put("n", e.connections());
    if (e.info() != null && !e.info().isEmpty()) {
      json.put("i", e.info());
    }
    if (e.infoAt() > 0) {
      json.put("a", e.infoAt());
    }
    return e.typing() ? json.put("t", true) : json;
  }

  private static Key key(JsonObject json) {
    return new Key(json.getString("c"), json.getString("u"));
  }

  private static Entry entry(JsonObject json) {
    return new Entry(json.getJsonObject("i", new JsonObject()), json.getInteger("n", 0), json.getBoolean("t", false),
        json.getLong("a", 0L));
  }

  private static JsonArray viewers(Map<String, Integer> counts) {
    JsonArray json = new JsonArray();
    counts.forEach((channel, n) -> json.add(new JsonObject().put("c", channel).put("v", n)));
    return json;
  }
}
