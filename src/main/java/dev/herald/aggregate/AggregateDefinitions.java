package dev.herald.aggregate;

import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The aggregates declared in herald.yaml, in name order: the order the store takes them in, so that
 * two append transactions always lock their rows in the same order. Each aggregate has a snapshot
 * channel of its own, which is how a subscription finds the aggregate it watches.
 */
final class AggregateDefinitions {

  /** The aggregate whose snapshots go to a channel, and the group that channel stands for ("" if none). */
  record Target(AggregateDefinition definition, String group) {
  }

  private final Map<String, AggregateDefinition> byName = new TreeMap<>();

  /** {@code collections}: the names of the collections declared, which aggregates may fold. */
  AggregateDefinitions(Set<String> collections, JsonObject conf) {
    Map<String, String> targets = new HashMap<>();
    for (String name : conf.fieldNames()) {
      AggregateDefinition def = AggregateDefinition.parse(name, conf.getJsonObject(name));
      if (def.overCollection() && !collections.contains(def.collection())) {
        throw new IllegalArgumentException("aggregates." + name + ".collection: no collection " + def.collection()
            + " is declared under collections");
      }
      String target = def.channel().replace("{group}", "");
      String other = targets.put(target, name);
      if (other != null) {
        throw new IllegalArgumentException("aggregates." + name + ".channel: " + def.channel() + " is already used by " + other);
      }
      byName.put(name, def);
    }
  }

  /** In name order. */
  Collection<AggregateDefinition> all() {
    return byName.values();
  }

  AggregateDefinition get(String name) {
    AggregateDefinition def = byName.get(name);
    if (def == null) {
      throw HeraldException.notFound("no aggregate named " + name);
    }
    return def;
  }

  /** The aggregate whose snapshots go to this channel, or null when none does. */
  Target forChannel(String channel) {
    for (AggregateDefinition def : byName.values()) {
      if (def.perGroupChannels()) {
        String prefix = def.channel().substring(0, def.channel().indexOf("{group}"));
        if (channel.startsWith(prefix) && channel.length() > prefix.length()) {
          return new Target(def, channel.substring(prefix.length()));
        }
      } else if (def.channel().equals(channel)) {
        return new Target(def, "");
      }
    }
    return null;
  }
}
