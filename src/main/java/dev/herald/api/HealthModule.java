package dev.herald.api;

import dev.herald.core.Rest;
import dev.herald.module.Module;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * Liveness (the process serves HTTP) and readiness (this node reaches the database and, when
 * clustered, is an active cluster member): a node that lost either says so, so the proxy stops
 * sending it traffic instead of it silently not relaying.
 */
public final class HealthModule implements Module {

  private final Pool pool;
  private final ClusterManager cluster;

  public HealthModule(Pool pool, ClusterManager cluster) {
    this.pool = pool;
    this.cluster = cluster;
  }

  @Override
  public void mount(Router router) {
    router.get("/health/live").handler(ctx -> Rest.reply(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(ctx -> {
      Future<Void> db = pool.query("SELECT 1").execute().mapEmpty();
      db.transform(ar -> {
        JsonObject checks = new JsonObject().put("db", ar.succeeded() ? "up" : "down");
        boolean ok = ar.succeeded();
        if (cluster != null) {
          boolean active = cluster.isActive();
          checks.put("cluster", active ? "up" : "down").put("nodeId", cluster.getNodeId());
          ok &= active;
        }
        Rest.reply(ctx, ok ? 200 : 503, new JsonObject().put("status", ok ? "ready" : "not_ready").put("checks", checks));
        return Future.succeededFuture();
      });
    });
  }
}
