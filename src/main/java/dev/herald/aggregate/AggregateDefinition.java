package dev.herald.aggregate;

import dev.cel.runtime.CelRuntime;
import dev.herald.core.ChannelName;
import dev.herald.core.Namespace;
import dev.herald.core.Namespaces;
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
 * or over the documents of a collection, instead of channels and types:
 * <pre>
 *   collection: bills                   # folds the collection's change log (doclog:bills)
 *   filter: doc.status != 'void'        # optional CEL over doc: the documents that count
 *   groupBy: doc.status                 # optional CEL over doc
 *   fields: { total: sum(doc.amount), bills: count() }   # counts and sums only
 *   channel: stats:billsByStatus        # required: say who may see the totals
 * </pre>
 * A change of a document takes its old version out of its group and puts the new one in its group,
 * so the values always equal a recount of the documents as they are: only counts and sums can be
 * taken back out, the other fields are refused.
 */
record AggregateDefinition(String name, List<String> channels, List<String> namespaces, List<String> types,
    String collection, CelRuntime.Program filter, CelRuntime.Program groupBy, List<FieldSpec> fields, Goal goal,
    String channel, Duration interval) {

  /** remaining = max(0, target - field); percent = field / target, clamped to [0, 100], 2 decimals. */
  record Goal(String field, BigDecimal target, String remaining, String percent) {
  }

  static AggregateDefinition parse(String name, JsonObject conf) {
    String where = "aggregates." + name;
    String collection = conf.getString("collection");
    return collection == null ? overChannels(name, conf, where) : overCollection(name, collection, conf, where);
  }

  private static AggregateDefinition overChannels(String name, JsonObject conf, String where) {
    if (conf.containsKey("filter")) {
      throw new IllegalArgumentException(where + ".filter: only an aggregate over a collection has a filter (use types, or count(expr))");
    }
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
    return withFields(name, exact, namespaces, types, null, null, conf, where, FieldSpec.Scope.EVENT);
  }

  private static AggregateDefinition overCollection(String name, String collection, JsonObject conf, String where) {
    if (!collection.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException(where + ".collection: '" + collection + "' is not a collection name");
    }
    if (conf.containsKey("channels") || conf.containsKey("types")) {
      throw new IllegalArgumentException(where + ": an aggregate over a collection folds its documents' changes; "
          + "it takes no channels or types");
    }
    if (!conf.containsKey("channel")) {
      throw new IllegalArgumentException(where + ".channel: name the channel the snapshots go to, in a namespace whose "
          + "subscribe rule fits who may see these totals (e.g. stats:" + name + " with subscribe: \"'admin' in auth.roles\")");
    }
    String filter = conf.getString("filter", "");
    return withFields(name, List.of(Namespaces.changeLog(collection)), List.of(), List.of(Namespaces.CHANGE_TYPE), collection,
        filter.isBlank() ? null : FieldSpec.compileFilter(filter, where + ".filter"), conf, where, FieldSpec.Scope.DOCUMENT);
  }

  private static AggregateDefinition withFields(String name, List<String> exact, List<String> namespaces, List<String> types,
      String collection, CelRuntime.Program filter, JsonObject conf, String where, FieldSpec.Scope scope) {
    String groupBy = conf.getString("groupBy", "");
    JsonObject fieldConf = conf.getJsonObject("fields", new JsonObject());
    if (fieldConf.isEmpty()) {
      throw new IllegalArgumentException(where + ".fields: declare at least one field");
    }
    List<FieldSpec> fields = new ArrayList<>();
    fieldConf.forEach(e -> fields.add(FieldSpec.parse(e.getKey(), String.valueOf(e.getValue()), where + ".fields." + e.getKey(), scope)));
    if (collection != null) {
      for (FieldSpec f : fields) {
        if (!f.kind().retractable()) {
          throw new IllegalArgumentException(where + ".fields." + f.name() + ": '" + f.source() + "' cannot be kept over a "
              + "collection: a changed or deleted document must be taken back out, which only count and sum can do");
        }
        if (f.name().startsWith("_")) {
          throw new IllegalArgumentException(where + ".fields." + f.name() + ": names starting with _ are Herald's");
        }
      }
    }
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
    return new AggregateDefinition(name, exact, namespaces, types, collection, filter,
        groupBy.isBlank() ? null : FieldSpec.compile(groupBy, where + ".groupBy", scope), fields, goal, channel,
        Namespace.parseDuration(conf.getValue("interval", "100ms").toString(), where + ".interval"));
  }

  boolean matches(String eventChannel, String type) {
    return (channels.contains(eventChannel) || namespaces.contains(ChannelName.namespace(eventChannel)))
        && (types.isEmpty() || types.contains(type));
  }

  /** Folds a collection's document changes (with retraction) rather than events. */
  boolean overCollection() {
    return collection != null;
  }

  boolean perGroupChannels() {
    return channel.contains("{group}");
  }

  String channelFor(String group) {
    return channel.replace("{group}", group);
  }
}
