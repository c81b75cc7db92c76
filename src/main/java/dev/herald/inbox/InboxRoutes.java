package dev.herald.inbox;

import dev.herald.core.Authenticator;
import dev.herald.core.Rest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** REST for the inbox: servers send, users read and change their own ({@code /me}). */
final class InboxRoutes {

  private static final String ME = "/api/v1/me/notifications";

  private final Inbox inbox;
  private final Authenticator auth;

  InboxRoutes(Inbox inbox, Authenticator auth) {
    this.inbox = inbox;
    this.auth = auth;
  }

  void mount(Router router) {
    router.post("/api/v1/notifications").handler(this::send);
    router.get(ME).handler(ctx -> Rest.answer(ctx, auth, who -> inbox.list(who, Inbox.flag(ctx.queryParams().get("unread")),
        Inbox.before(ctx.queryParams().get("before")), Inbox.limit(ctx.queryParams().get("limit")))));
    router.post(ME + "/read-all").handler(ctx -> Rest.answer(ctx, auth, inbox::readAll));
    router.post(ME + "/:id/read").handler(ctx -> Rest.answer(ctx, auth, who -> inbox.read(who, ctx.pathParam("id"))));
    router.delete(ME + "/:id").handler(ctx -> Rest.answer(ctx, auth, who -> inbox.delete(who, ctx.pathParam("id"))));
    router.delete(ME).handler(ctx -> Rest.answer(ctx, auth, inbox::clear));
  }

  /** 201 with the stored notification; its id again → 200 with the first one, nothing delivered twice. */
  private void send(RoutingContext ctx) {
    Rest.respond(ctx, auth, who -> {
      JsonObject notification = Rest.bodyObject(ctx, "invalid_notification", "the body must be a JSON object");
      return inbox.send(who, notification).map(sent -> {
        Rest.reply(ctx, sent.created() ? 201 : 200, sent.notification());
        return null;
      });
    });
  }
}
