package dev.herald.presence;

import dev.herald.core.Authenticator;
import dev.herald.core.OnlineUsers;
import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Namespaces;
import dev.herald.hub.Hub;
import dev.herald.module.BridgeService;
import dev.herald.module.Module;
import dev.herald.module.SocketListener;
import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * Presence, typing and viewer counts: the tracker (one per node), its REST reads, the bridge's
 * {@code herald.presence} and {@code herald.typing}, and what sockets subscribing, leaving and
 * changing identity mean for presence.
 */
public final class PresenceModule implements Module {

  private final PresenceTracker tracker;
  private final PresenceService service;
  private final PresenceSockets sockets;
  private final Authenticator auth;

  public PresenceModule(Hub hub, ClusterManager cluster, Namespaces namespaces, Authenticator auth) {
    this.tracker = new PresenceTracker(hub, cluster);
    this.service = new PresenceService(tracker, namespaces);
    this.sockets = new PresenceSockets(tracker, namespaces);
    this.auth = auth;
  }

  /** Who of some users is online anywhere in the cluster, for features that reach users who are not (outbound). */
  public OnlineUsers onlineUsers() {
    return tracker::online;
  }

  @Override
  public List<Deployable> verticles() {
    return List.of(tracker);
  }

  @Override
  public void mount(Router router) {
    new PresenceRoutes(service, auth).mount(router);
  }

  @Override
  public Map<String, BridgeService> bridgeServices() {
    return Map.of(
        "herald.presence", (socket, who, body) -> service.snapshot(who, ChannelName.require(body.getString("channel"))),
        "herald.typing", (socket, who, body) -> {
          String channel = ChannelName.require(body.getString("channel"));
          if (!(body.getValue("typing", true) instanceof Boolean on)) {
            throw HeraldException.badRequest("invalid_body", "typing must be true or false");
          }
          return service.typing(socket, who, channel, on).map(v -> new JsonObject().put("ok", true));
        },
        "herald.presence.update", (socket, who, body) ->
            service.update(socket, who, ChannelName.require(body.getString("channel")), body.getValue("info"))
                .map(v -> new JsonObject().put("ok", true)));
  }

  @Override
  public SocketListener socketListener() {
    return sockets;
  }
}
