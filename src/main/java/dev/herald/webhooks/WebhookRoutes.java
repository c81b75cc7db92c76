package dev.herald.webhooks;

import dev.herald.core.Authenticator;
import dev.herald.core.Params;
import dev.herald.core.Rest;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * REST for webhooks. A delivery is not authenticated as a Herald caller (its Authorization header,
 * when the source uses a bearer secret, is that secret, not a token): its source verifies it. The
 * dead-letter list and replays are for API keys.
 */
final class WebhookRoutes {

  private static final String SOURCE = "/api/v1/webhooks/:source";

  private final Webhooks webhooks;
  private final Authenticator auth;

  WebhookRoutes(Webhooks webhooks, Authenticator auth) {
    this.webhooks = webhooks;
    this.auth = auth;
  }

  void mount(Router router) {
    router.post(SOURCE).handler(this::receive);
    router.get(SOURCE + "/failed").handler(ctx -> Rest.answer(ctx, auth, who -> webhooks.failed(who, ctx.pathParam("source"),
        Params.limit(ctx.queryParams().get("limit"), 100, 1000))));
    router.post(SOURCE + "/failed/:id/replay").handler(ctx -> Rest.answer(ctx, auth,
        who -> webhooks.replay(who, ctx.pathParam("source"), ctx.pathParam("id"))));
  }

  private void receive(RoutingContext ctx) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    try {
      webhooks.receive(ctx.pathParam("source"), ctx.request()::getHeader, body == null ? new byte[0] : body.getBytes())
          .onSuccess(answer -> Rest.reply(ctx, 200, answer))
          .onFailure(err -> Rest.fail(ctx, err));
    } catch (RuntimeException e) {
      Rest.fail(ctx, e);
    }
  }
}
