package dev.herald.aggregate;

import dev.cel.runtime.CelRuntime;
import dev.herald.core.ChannelName;
import dev.herald.core.Namespace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An aggregate as declared in herald.yaml under {@code aggregates.<name>}:
 * <pre>
 *   channels: [sales]            # channel names, or "ns:*" for a whole namespace
 *   types: [purchase.completed]  # optional; all types when absent
 *   groupBy: data.pollId         # optional CEL; one set of values per group
 *   fields: { total: sum(data.amount), buyers: distinctCount(data.userId), latest: last(data) }
 *   goal: { field: total, target: 1000, remaining: left, percent: pct }   # optional
 *   channel: agg:sales           # where snapshots go; "user:{group}" sends each group to its own channel
 *   interval: 100ms              # at most one snapshot per interval
 * </pre>
 */
record AggregateDefinition(String name, List<String> channels, List<String> namespaces, List<String> types,
    CelRuntime.Program groupBy, List<FieldSpec> fields, Goal goal, String channel, Duration interval) {

  /** remaining = max(0, target - field); percent = field / target, clamped to [0, 100], 2 decimals. */
  record Goal(String field, BigDecimal target, String remaining, String percent) {
  }

  static AggregateDefinition parse(String name, JsonObject conf) {
    String where = "aggregates." + name;
    List<String> exact = new ArrayList<>();
    List<String> namespaces = new ArrayList<>();
    for (Object c : conf.getJsonArray("channels", new JsonArray())) {
      String channel = String.valueOf(c);
      if (channel.endsWith(":*")) {
        namespaces.add(channel.substring(0, channel.length() - 2));
      } else if (ChannelName.isValid(channel)) {
        exact.add(channel);
      } else {
        throw new IllegalArgumentException(where + ".channels: '" + channel + "' is neither a channel name nor ns:*");
      }
    }
    if (exact.isEmpty() && namespaces.isEmpty()) {
      throw new IllegalArgumentException(where + ".channels: name at least one channel (or ns:*)");
    }
    List<String> types = new ArrayList<>();
    conf.getJsonArray("types", new JsonArray()).forEach(t -> types.add(String.valueOf(t)));
    String groupBy = conf.getString("groupBy", "");
    JsonObject fieldConf = conf.getJsonObject("fields", new JsonObject());
    if (fieldConf.isEmpty()) {
      throw new IllegalArgumentException(where + ".fields: declare at least one field");
    }
    List<FieldSpec> fields = new ArrayList<>();
    fieldConf.forEach(e -> fields.add(FieldSpec.parse(e.getKey(), String.valueOf(e.getValue()), where + ".fields." + e.getKey())));
    Goal goal = null;
    JsonObject g = conf.getJsonObject("goal");
    if (g != null) {
      String field = g.getString("field");
      if (fields.stream().noneMatch(f -> f.name().equals(field) && (f.kind() == FieldSpec.Kind.SUM || f.kind() == FieldSpec.Kind.COUNT))) {
        throw new IllegalArgumentException(where + ".goal.field: '" + field + "' must be a sum or count field");
      }
      goal = new Goal(field, new BigDecimal(String.valueOf(g.getValue("target"))),
          g.getString("remaining", "remaining"), g.getString("percent", "percent"));
    }
    String channel = conf.getString("channel", "agg:" + name);
    if (!ChannelName.isValid(channel.replace("{group}", "g"))) {
      throw new IllegalArgumentException(where + ".channel: '" + channel + "' is not a channel name");
    }
    if (channel.contains("{group}") && groupBy.isBlank()) {
      throw new IllegalArgumentException(where + ".channel: {group} needs a groupBy");
    }
    return new AggregateDefinition(name, exact, namespaces, types,
        groupBy.isBlank() ? null : FieldSpec.compile(groupBy, where + ".groupBy"), fields, goal, channel,
        Namespace.parseDuration(conf.getValue("interval", "100ms").toString(), where + ".interval"));
  }

  boolean matches(String eventChannel, String type) {
    return (channels.contains(eventChannel) || namespaces.contains(ChannelName.namespace(eventChannel)))
        && (types.isEmpty() || types.contains(type));
  }

  boolean perGroupChannels() {
    return channel.contains("{group}");
  }

  String channelFor(String group) {
    return channel.replace("{group}", group);
  }
}
