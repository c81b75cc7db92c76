package dev.herald.api;

import dev.herald.core.Drain;
import dev.herald.core.Rest;
import dev.herald.module.Module;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * Liveness (the process serves HTTP) and readiness (this node reaches the database, when clustered
 * is an active cluster member, and is not draining): a node that lost either, or is on its way out,
 * says so, so the proxy stops sending it traffic instead of it silently not relaying.
 */
public final class HealthModule implements Module {

  private final Pool pool;
  private final ClusterManager cluster;
  private final Drain drain;

  public HealthModule(Pool pool, ClusterManager cluster, Drain drain) {
    this.pool = pool;
    this.cluster = cluster;
    this.drain = drain;
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
        if (drain.draining()) { // shutting down: the proxy should send nothing new here
          checks.put("draining", true);
          ok = false;
        }
        Rest.reply(ctx, ok ? 200 : 503, new JsonObject().put("status", ok ? "ready" : "not_ready").put("checks", checks));
        return Future.succeededFuture();
      });
    });
  }
}
