package dev.herald.dev;

import dev.herald.aggregate.AggregatesModule;
import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Rest;
import dev.herald.journal.NewEvent;
import dev.herald.module.Module;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's token-sale shop, in development mode: {@code POST /dev/token-sale/purchases
 * {batchCount}} by a signed-in user does what an app server does in front of Herald (as
 * examples/token-sale/server.js): refuses what would sell past the {@code sales} aggregate's goal
 * (409 {@code sold_out}), publishes {@code purchase.pending} on {@code sales} at once and
 * {@code purchase.completed} after a simulated payment, which the aggregate counts. The page holds
 * no API key: the buyer's token is what lets it buy.
 */
public final class TokenSaleDesk implements Module {

  static final String CHANNEL = "sales";
  static final int MAX_BATCHES = 10;
  static final long PAYMENT_MS = 1500;
  private static final Logger LOG = LoggerFactory.getLogger(TokenSaleDesk.class);

  private final Vertx vertx;
  private final Channels channels;
  private final AggregatesModule aggregates;
  private final Authenticator auth;
  /** Batches accepted and not completed yet: the aggregate counts completed ones only. */
  private final AtomicLong reserved = new AtomicLong();

  public TokenSaleDesk(Vertx vertx, Channels channels, AggregatesModule aggregates, Authenticator auth) {
    this.vertx = vertx;
    this.channels = channels;
    this.aggregates = aggregates;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.post("/dev/token-sale/purchases").handler(this::purchase);
  }

  private void purchase(RoutingContext ctx) {
    Rest.respond(ctx, auth, who -> {
      if (who.subject() == null) {
        throw HeraldException.unauthorized("sign in to buy: a purchase is made by a user");
      }
      long batches = batchCount(ctx);
      reserved.addAndGet(batches); // before reading what is sold: two buyers cannot take the same last batches
      return aggregates.values("sales")
          .recover(e -> {
            reserved.addAndGet(-batches);
            return Future.failedFuture(e);
          })
          .compose(values -> {
            long free = values.getLong("remainingBatches", 0L) - reserved.get() + batches;
            if (batches > free) {
              reserved.addAndGet(-batches);
              throw new HeraldException(409, "sold_out", "only " + Math.max(free, 0) + " batches are left");
            }
            JsonObject purchase = new JsonObject().put("purchaseId", UUID.randomUUID().toString())
                .put("batchCount", batches).put("buyer", who.subject()).put("at", Instant.now().toString());
            return publish("purchase.pending", purchase).<Void>compose(receipt -> {
              vertx.setTimer(PAYMENT_MS, t -> complete(purchase, 10));
              Rest.reply(ctx, 202, new JsonObject().put("purchaseId", purchase.getString("purchaseId"))
                  .put("status", "pending").put("completesInMs", PAYMENT_MS));
              return Future.succeededFuture();
            }, failed -> {
              reserved.addAndGet(-batches);
              return Future.failedFuture(failed);
            });
          });
    });
  }

  /** The payment went through: counted once however often this is retried (the event id). */
  private void complete(JsonObject purchase, int triesLeft) {
    publish("purchase.completed", purchase)
        .onSuccess(r -> reserved.addAndGet(-purchase.getLong("batchCount")))
        .onFailure(e -> {
          if (triesLeft > 0) {
            vertx.setTimer(1000, t -> complete(purchase, triesLeft - 1));
          } else {
            LOG.warn("purchase {} was never completed: {}", purchase.getString("purchaseId"), e.toString());
            reserved.addAndGet(-purchase.getLong("batchCount"));
          }
        });
  }

  private Future<?> publish(String type, JsonObject purchase) {
    String id = purchase.getString("purchaseId") + ":" + type;
    return channels.publish(Identity.SERVER, new NewEvent(CHANNEL, id, true, type, purchase.encode()));
  }

  private static long batchCount(RoutingContext ctx) {
    String wanted = "send {batchCount}: a whole number from 1 to " + MAX_BATCHES;
    if (Rest.bodyObject(ctx, "invalid_purchase", wanted).getValue("batchCount") instanceof Integer n && n >= 1 && n <= MAX_BATCHES) {
      return n;
    }
    throw HeraldException.badRequest("invalid_purchase", wanted);
  }
}
