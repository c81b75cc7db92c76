package dev.herald.channels;

import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.Identity;
import dev.herald.module.BridgeService;
import dev.herald.module.BridgeSession;
import dev.herald.module.Module;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Collections;
import java.util.Map;

/**
 * Durable channels: publish and history over REST ({@link ChannelRoutes}) and on the bridge
 * ({@code herald.publish}, {@code herald.history}), both through {@link Channels}, which checks
 * the namespace rules.
 */
public final class ChannelsModule implements Module {

  private final Channels channels;
  private final Authenticator auth;

  public ChannelsModule(Channels channels, Authenticator auth) {
    this.channels = channels;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    new ChannelRoutes(channels, auth).mount(router);
  }

  @Override
  public Map<String, BridgeService> bridgeServices() {
    return Map.of("herald.publish", this::publish, "herald.history", this::history);
  }

  /** herald.publish {channel, type, data?, id?}: the receipt once committed. */
  private Future<JsonObject> publish(BridgeSession socket, Identity who, JsonObject body) {
    return channels.publish(who, Channels.parseEvent(body, null)).map(receipt -> new JsonObject(receipt.json()));
  }

  /** herald.history {channel, since? | before?, limit?}: {events, firstSeq, lastSeq}, as over REST (before: newest first). */
  private Future<JsonObject> history(BridgeSession socket, Identity who, JsonObject body) {
    String channel = ChannelName.require(body.getString("channel"));
    boolean backwards = body.getValue("before") != null;
    return channels.page(who, channel, body.getValue("since"), body.getValue("before"), body.getValue("limit"))
        .map(page -> {
          JsonArray events = new JsonArray();
          page.events().forEach(e -> events.add(new JsonObject(Frames.envelope(e))));
          if (backwards) {
            Collections.reverse(events.getList());
          }
          return new JsonObject().put("events", events).put("firstSeq", page.firstSeq()).put("lastSeq", page.lastSeq());
        });
  }

}
