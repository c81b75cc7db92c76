package dev.herald.presence;

import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.Rest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** REST reads of presence and viewer counts; they follow the channel's subscribe rule. */
final class PresenceRoutes {

  private final PresenceService presence;
  private final Authenticator auth;

  PresenceRoutes(PresenceService presence, Authenticator auth) {
    this.presence = presence;
    this.auth = auth;
  }

  void mount(Router router) {
    router.get("/api/v1/channels/:channel/presence").handler(ctx -> Rest.answer(ctx, auth, who ->
        presence.snapshot(who, ChannelName.require(ctx.pathParam("channel")))));
    router.get("/api/v1/channels/:channel/viewers").handler(ctx -> Rest.answer(ctx, auth, who ->
        presence.viewers(who, ChannelName.require(ctx.pathParam("channel")))
            .map(count -> new JsonObject().put("count", count))));
  }
}
