package dev.herald.aggregate;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Aggregates as callers ask for them, REST and bridge alike: each call does its access checks, once,
 * here. Reading follows the rule for subscribing to the channel the snapshots go to; recomputing
 * rewrites the aggregate for everyone, so it is for servers (an API key) only.
 */
final class AggregateService {

  private final AggregateDefinitions definitions;
  private final AggregateStore store;
  private final Namespaces namespaces;

  AggregateService(AggregateDefinitions definitions, AggregateStore store, Namespaces namespaces) {
    this.definitions = definitions;
    this.store = store;
    this.namespaces = namespaces;
  }

  /** The current snapshot's JSON: the totals, or one group's ({@code group} null or empty: the totals). */
  Future<Snapshot> read(Identity who, String name, String group) {
    AggregateDefinition def = definitions.get(name);
    boolean totals = group == null || group.isEmpty();
    if (def.perGroupChannels() && totals) {
      throw HeraldException.badRequest("group_required", def.name() + " is kept per group: add ?group=");
    }
    String problem = totals ? null : StorableText.keyProblem(group);
    if (problem != null) {
      throw HeraldException.badRequest("invalid_group", "group " + problem + ": no group can have that name");
    }
    // a per-group aggregate is read by whoever may watch that group's channel; the others by the shared channel's rule
    namespaces.checkSubscribe(who, def.perGroupChannels() ? def.channelFor(group) : def.channel());
    return store.read(def, totals ? "" : group);
  }

  /** Folds the stored history again under a new version; the new snapshot's JSON. */
  Future<JsonObject> recompute(Identity who, String name) {
    if (who.isAnonymous()) {
      throw HeraldException.unauthorized("recomputing an aggregate needs an API key");
    }
    if (!who.isServer()) {
      throw HeraldException.forbidden("recomputing an aggregate needs an API key");
    }
    return store.recompute(definitions.get(name)).map(Snapshot::json);
  }
}
