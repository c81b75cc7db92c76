package dev.herald.outbound;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.OnlineUsers;
import dev.herald.core.Params;
import dev.herald.core.Rest;
import dev.herald.journal.CommitHook;
import dev.herald.module.Module;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Outbound delivery for offline users (herald.yaml {@code outbound:}): notifications to users are
 * queued in the transaction that stores them, POSTed signed to the gateway for users with no open
 * socket in the cluster, retried with backoff, dead-lettered past the last attempt; the dead
 * letters are listed and replayed over REST (API keys). Off without a url: no hook, no sender.
 */
public final class OutboundModule implements Module {

  private final OutboundSettings settings;
  private final Pool pool;
  private final OnlineUsers online;
  private final Authenticator auth;

  public OutboundModule(JsonObject conf, Pool pool, OnlineUsers online, Authenticator auth) {
    this.settings = OutboundSettings.parse(conf);
    this.pool = pool;
    this.online = online;
    this.auth = auth;
  }

  @Override
  public List<CommitHook<?, ?>> commitHooks() {
    return settings.enabled() ? List.of(new OutboundQueue()) : List.of();
  }

  @Override
  public List<Deployable> verticles() {
    return settings.enabled() ? List.of(new OutboundSender(settings, pool, online)) : List.of();
  }

  @Override
  public void mount(Router router) {
    router.get("/api/v1/outbound/failed").handler(ctx -> Rest.answer(ctx, auth, who -> failed(who,
        Params.limit(ctx.queryParams().get("limit"), 100, 1000))));
    router.post("/api/v1/outbound/failed/:id/replay").handler(ctx -> Rest.answer(ctx, auth, who -> replay(who, ctx.pathParam("id"))));
  }

  /** {deliveries: [{deliveryId, userId, attempts, lastError, createdAt}]}, oldest first. */
  private Future<JsonObject> failed(Identity who, int limit) {
    who.requireServer("outbound deliveries");
    return pool.preparedQuery("SELECT delivery_id, user_id, attempts, last_error, created_at FROM outbound_deliveries "
            + "WHERE status = 'failed' ORDER BY created_at, id LIMIT $1")
        .execute(Tuple.of(limit))
        .map(rows -> {
          JsonArray list = new JsonArray();
          rows.forEach(r -> list.add(new JsonObject().put("deliveryId", r.getString("delivery_id")).put("userId", r.getString("user_id"))
              .put("attempts", r.getInteger("attempts")).put("lastError", r.getString("last_error"))
              .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString())));
          return new JsonObject().put("deliveries", list);
        });
  }

  /** Puts a dead-lettered delivery back in the queue, due now, with its attempts counted afresh. */
  private Future<JsonObject> replay(Identity who, String deliveryId) {
    who.requireServer("outbound deliveries");
    return pool.preparedQuery("UPDATE outbound_deliveries SET status = 'pending', attempts = 0, next_at = now() "
            + "WHERE delivery_id = $1 AND status = 'failed' RETURNING delivery_id")
        .execute(Tuple.of(deliveryId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw HeraldException.notFound("no failed outbound delivery " + deliveryId);
          }
          return new JsonObject().put("deliveryId", deliveryId).put("status", "pending");
        });
  }
}
