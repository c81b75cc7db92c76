package dev.herald.api;

import dev.herald.bridge.BridgeEndpoint;
import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.HeraldConfig;
import dev.herald.channels.ChannelRoutes;
import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import dev.herald.hub.Hub;
import dev.herald.presence.PresenceRoutes;
import dev.herald.presence.PresenceTracker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.sqlclient.Pool;

/**
 * The node's one HTTP server (deployed once per core, sharing the port): REST under /api/v1, the
 * SockJS bridge at /eventbus (raw WebSocket at /eventbus/websocket), health, and the console at /.
 */
public final class GatewayVerticle extends VerticleBase {

  private final HeraldConfig config;
  private final Hub hub;
  private final Channels channels;
  private final Authenticator auth;
  private final Pool pool;
  private final ClusterManager cluster;
  private final PresenceTracker presence;

  public GatewayVerticle(HeraldConfig config, Hub hub, PresenceTracker presence, Channels channels, Authenticator auth,
      Pool pool, ClusterManager cluster) {
    this.config = config;
    this.hub = hub;
    this.presence = presence;
    this.channels = channels;
    this.auth = auth;
    this.pool = pool;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    new ChannelRoutes(channels, auth).mount(router);
    new PresenceRoutes(presence, channels, auth).mount(router);
    new HealthRoutes(pool, cluster).mount(router);

    BridgeEndpoint.mount(router, vertx, hub, presence, channels, auth, config.maxBodyBytes());

    router.route("/*").handler(StaticHandler.create("web").setCachingEnabled(false));
    router.route().last().handler(ctx -> Rest.fail(ctx, HeraldException.notFound(
        "no such resource: " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(Rest::handleFailure);

    // WebSocket frames up to a few times the frame limit reach BridgeSocket, which answers 413 itself
    HttpServerOptions http = new HttpServerOptions().setPort(config.port()).setCompressionSupported(false)
        .setMaxWebSocketFrameSize(4 * config.maxBodyBytes()).setMaxWebSocketMessageSize(4 * config.maxBodyBytes());
    return vertx.createHttpServer(http)
        .requestHandler(router)
        .listen();
  }
}
