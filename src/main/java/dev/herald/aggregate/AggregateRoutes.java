package dev.herald.aggregate;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Namespaces;
import dev.herald.core.Rest;
import io.vertx.ext.web.Router;

/**
 * {@code GET /api/v1/aggregates/{name}[?group=]}: the current snapshot, for whoever may subscribe
 * to the channel its snapshots go to. {@code POST /api/v1/aggregates/{name}/recompute}: fold the
 * stored history again (API key only).
 */
final class AggregateRoutes {

  private final AggregateDefinitions definitions;
  private final AggregateStore store;
  private final Namespaces namespaces;
  private final Authenticator auth;

  AggregateRoutes(AggregateDefinitions definitions, AggregateStore store, Namespaces namespaces, Authenticator auth) {
    this.definitions = definitions;
    this.store = store;
    this.namespaces = namespaces;
    this.auth = auth;
  }

  void mount(Router router) {
    router.get("/api/v1/aggregates/:name").handler(ctx -> Rest.respond(ctx, auth, who -> {
      AggregateDefinition def = definitions.get(ctx.pathParam("name"));
      String group = ctx.queryParams().get("group");
      if (def.perGroupChannels() && (group == null || group.isEmpty())) {
        throw HeraldException.badRequest("group_required", def.name() + " is kept per group: add ?group=");
      }
      String target = group == null || group.isEmpty() ? def.channel() : def.channelFor(group);
      namespaces.checkSubscribe(who, def.perGroupChannels() ? target : def.channel());
      return store.read(def, group == null ? "" : group).map(s -> {
        Rest.reply(ctx, 200, s.json());
        return null;
      });
    }));
    router.post("/api/v1/aggregates/:name/recompute").handler(ctx -> Rest.respond(ctx, auth, who -> {
      if (!who.isServer()) {
        throw HeraldException.forbidden("recomputing an aggregate needs an API key");
      }
      return store.recompute(definitions.get(ctx.pathParam("name"))).map(s -> {
        Rest.reply(ctx, 200, s.json());
        return null;
      });
    }));
  }
}
