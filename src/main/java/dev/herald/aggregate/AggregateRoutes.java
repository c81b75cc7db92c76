package dev.herald.aggregate;

import dev.herald.core.Authenticator;
import dev.herald.core.Rest;
import io.vertx.ext.web.Router;

/**
 * {@code GET /api/v1/aggregates/{name}[?group=]}: the current snapshot, for whoever may subscribe
 * to the channel its snapshots go to. {@code POST /api/v1/aggregates/{name}/recompute}: fold the
 * stored history again (API key only). The checks are the service's.
 */
final class AggregateRoutes {

  private final AggregateService aggregates;
  private final Authenticator auth;

  AggregateRoutes(AggregateService aggregates, Authenticator auth) {
    this.aggregates = aggregates;
    this.auth = auth;
  }

  void mount(Router router) {
    router.get("/api/v1/aggregates/:name").handler(ctx -> Rest.answer(ctx, auth, who ->
        aggregates.read(who, ctx.pathParam("name"), ctx.queryParams().get("group")).map(Snapshot::answer)));
    router.post("/api/v1/aggregates/:name/recompute").handler(ctx -> Rest.answer(ctx, auth, who ->
        aggregates.recompute(who, ctx.pathParam("name"))));
  }
}
