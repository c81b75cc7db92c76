package dev.herald.presence;

import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.Rest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** REST reads of presence and viewer counts; they follow the channel's subscribe rule. */
public final class PresenceRoutes {

  private final PresenceTracker tracker;
  private final Channels channels;
  private final Authenticator auth;

  public PresenceRoutes(PresenceTracker tracker, Channels channels, Authenticator auth) {
    this.tracker = tracker;
    this.channels = channels;
    this.auth = auth;
  }

  public void mount(Router router) {
    router.get("/api/v1/channels/:channel/presence").handler(ctx -> Rest.respond(ctx, auth, who -> {
      String channel = ChannelName.require(ctx.pathParam("channel"));
      channels.checkSubscribe(who, channel);
      channels.namespace(channel).requirePresence(channel);
      return tracker.snapshot(channel).map(snapshot -> {
        Rest.reply(ctx, 200, snapshot);
        return null;
      });
    }));
    router.get("/api/v1/channels/:channel/viewers").handler(ctx -> Rest.respond(ctx, auth, who -> {
      String channel = ChannelName.require(ctx.pathParam("channel"));
      channels.checkSubscribe(who, channel);
      channels.namespace(channel).requireViewers(channel);
      return tracker.viewers(channel).map(count -> {
        Rest.reply(ctx, 200, new JsonObject().put("count", count));
        return null;
      });
    }));
  }
}
