package dev.herald.api;

import dev.herald.bridge.BridgeSocket;
import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.hub.Hub;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
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

  public GatewayVerticle(HeraldConfig config, Hub hub, Channels channels, Authenticator auth, Pool pool,
      ClusterManager cluster) {
    this.config = config;
    this.hub = hub;
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
    new HealthRoutes(pool, cluster).mount(router);

    // SockJS's HTTP fallbacks (xhr_send, xhr_streaming, xhr/jsonp polling) are POSTs whose body
    // Vert.x only reads through a BodyHandler; without it every xhr_send fails with a 500. An
    // xhr_send body is a JSON array of JSON-quoted frames, so it may be a few times a frame's size;
    // BridgeSocket itself answers a frame over maxBodyBytes with a 413 err frame.
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(4L * config.maxBodyBytes()));
    // No per-socket event-bus handler: the hub writes to sockets directly.
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions().setRegisterWriteHandler(false);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, sockJs).socketHandler(
        socket -> new BridgeSocket(socket, hub, channels, auth, config.maxBodyBytes()).start()));

    router.route("/*").handler(StaticHandler.create("web").setCachingEnabled(false));
    router.route().last().handler(ctx -> ErrorResponses.send(ctx, HeraldException.notFound(
        "no such resource: " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(ErrorResponses::handle);

    return vertx.createHttpServer(new HttpServerOptions().setPort(config.port()).setCompressionSupported(false))
        .requestHandler(router)
        .listen();
  }
}
