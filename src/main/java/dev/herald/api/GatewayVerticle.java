package dev.herald.api;

import dev.herald.core.Drain;
import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.core.RateLimiter;
import dev.herald.core.Rest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import java.util.function.Consumer;

/**
 * The node's one HTTP server (deployed once per core, sharing the port): the features' routes (REST
 * under /api/v1, the bridge at /eventbus, health), the console at /, and JSON errors for the rest.
 * REST and the bridge answer browsers only from allowed origins ({@link OriginPolicy}).
 */
public final class GatewayVerticle extends VerticleBase {

  private final HeraldConfig config;
  private final Drain drain;
  private final Counter rateLimited;
  private final Consumer<Router> features;

  /** {@code features} mounts each feature's routes (REST, bridge, health) on the router. */
  public GatewayVerticle(HeraldConfig config, Drain drain, MeterRegistry registry, Consumer<Router> features) {
    this.config = config;
    this.drain = drain;
    this.rateLimited = RateLimiter.refusals(registry, "rest");
    this.features = features;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(this::admit);
    // before anything reads a body or upgrades a connection: pages from other origins are refused
    OriginPolicy origins = new OriginPolicy(config.origins());
    for (String path : List.of("/api/*", "/eventbus/*", "/dev/*")) {
      router.route(path).handler(origins);
    }
    router.route("/api/*").handler(Rest::requireWellFormedQuery);
    for (String path : List.of("/api/*", "/dev/*")) {
      router.route(path).handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    }
    features.accept(router);
    String sockJs = WebJars.root("org.webjars.npm", "sockjs-client") + "/dist/sockjs.min.js"; // for pages falling back to SockJS
    router.get("/sdk/sockjs.min.js").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/javascript; charset=utf-8").sendFile(sockJs));
    // a console page's directory, with its query kept (StaticHandler's own redirect drops it: ?customer=bob)
    router.getWithRegex("/console/[a-z-]+").handler(ctx -> ctx.response().setStatusCode(301)
        .putHeader("Location", ctx.request().path() + "/" + (ctx.request().query() == null ? "" : "?" + ctx.request().query())).end());
    router.route("/*").handler(StaticHandler.create("web").setCachingEnabled(false));
    router.route().last().handler(ctx -> Rest.fail(ctx, HeraldException.notFound(
        "no such resource: " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(Rest::handleFailure);

    return vertx.createHttpServer(serverOptions(config))
        .requestHandler(router)
        .listen();
  }

  /**
   * While the node drains, everything but the health checks is turned away with a 503 (Retry-After,
   * and the connection closed, so a proxy or client picks another node); before that, REST requests
   * are counted in flight until their response ends, so the node closes after them.
   */
  private void admit(RoutingContext ctx) {
    String path = ctx.request().path();
    if (drain.draining() && !path.startsWith("/health/")) {
      ctx.response().putHeader("Connection", "close");
      Rest.fail(ctx, Drain.refusal());
      return;
    }
    if (path.startsWith("/api/")) {
      drain.started();
      ctx.addEndHandler(v -> drain.finished());
      ctx.addHeadersEndHandler(v -> {
        if (ctx.response().getStatusCode() == 429) {
          rateLimited.increment();
        }
      });
    }
    ctx.next();
  }

  /**
   * Herald runs every WebSocket itself, with its own size limit (see bridge/WebSocketUpgrade). No
   * compression, although browsers offer permessage-deflate: a deflating socket needs zlib state
   * (~100 KB of native memory per connection, measured) and its own compressed copy of every
   * delivery. The WebSocket compression flags matter even so: with them on, Vert.x puts a handler
   * in every HTTP connection's pipeline that accepts the extension in the upgrade response.
   * Strict thread mode: every HTTP response is written on its request's event loop (Rest sees to
   * it), so Vert.x gives each connection a direct write path instead of a multi-producer queue
   * (about 4.7 KB per connection).
   */
  public static HttpServerOptions serverOptions(HeraldConfig config) {
    return new HttpServerOptions().setPort(config.port()).setCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
        .setStrictThreadMode(true);
  }
}
