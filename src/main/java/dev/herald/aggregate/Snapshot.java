package dev.herald.aggregate;

import io.vertx.core.json.JsonObject;

/**
 * An aggregate's state as subscribers see it, bound for one channel: {@code json} is
 * {name, version, values, groups?|group?, lastEvent?}. Versions only grow.
 */
record Snapshot(String name, String channel, long version, JsonObject json) {

  /** The totals, for the aggregate's channel; {@code groups} (every group's values) only for a shared-channel groupBy. */
  static Snapshot totals(AggregateDefinition def, long version, JsonObject values, JsonObject lastEvent, JsonObject groups) {
    JsonObject json = json(def, version, values, lastEvent);
    return new Snapshot(def.name(), def.channel(), version, groups == null ? json : json.put("groups", groups));
  }

  /** One group's values, for that group's channel. */
  static Snapshot ofGroup(AggregateDefinition def, String group, long version, JsonObject values, JsonObject lastEvent) {
    return new Snapshot(def.name(), def.channelFor(group), version, json(def, version, values, lastEvent).put("group", group));
  }

  private static JsonObject json(AggregateDefinition def, long version, JsonObject values, JsonObject lastEvent) {
    JsonObject json = new JsonObject().put("name", def.name()).put("version", version).put("values", FieldArithmetic.shown(values));
    return lastEvent == null ? json : json.put("lastEvent", lastEvent);
  }

  /** As a reader asks for it (REST and herald.aggregate): the JSON and the channel its next snapshots go to. */
  JsonObject answer() {
    return json.copy().put("channel", channel);
  }

  /** For the cluster: the JSON goes as text, so that its numbers arrive exact (Vert.x would decode them as doubles). */
  JsonObject toMessage() {
    return new JsonObject().put("name", name).put("channel", channel).put("version", version).put("json", json.encode());
  }

  static Snapshot fromMessage(JsonObject m) {
    return new Snapshot(m.getString("name"), m.getString("channel"), m.getLong("version"), ExactJson.object(m.getString("json")));
  }
}
