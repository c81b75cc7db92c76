package dev.herald.aggregate;

import io.vertx.core.json.JsonObject;

/**
 * An aggregate's state as subscribers see it, bound for one channel: {@code json} is
 * {name, version, values, groups?|group?, lastEvent?}. Versions only grow.
 */
record Snapshot(String name, String channel, long version, JsonObject json) {

  JsonObject toMessage() {
    return new JsonObject().put("name", name).put("channel", channel).put("version", version).put("json", json);
  }

  static Snapshot fromMessage(JsonObject m) {
    return new Snapshot(m.getString("name"), m.getString("channel"), m.getLong("version"), m.getJsonObject("json"));
  }
}
