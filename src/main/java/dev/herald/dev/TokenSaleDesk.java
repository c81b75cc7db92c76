package dev.herald.dev;

import dev.herald.aggregate.AggregatesModule;
import dev.herald.channels.Channels;
import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Rest;
import dev.herald.documents.DocumentsModule;
import dev.herald.journal.NewEvent;
import dev.herald.module.Module;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's token-sale shop, in development mode. A purchase is the buyer's own write: a
 * {@code purchases} document {buyerId: its sub, batchCount, status: pending}, which the collection's
 * rules let a buyer create and nobody but a server change. {@code POST
 * /dev/token-sale/purchases/{id}/pay} then does what an app server does after a payment (as
 * examples/token-sale/server.js): refuses what would sell past the {@code sales} aggregate's goal
 * (409 {@code sold_out}, the document marked so), publishes {@code purchase.pending} on
 * {@code sales} at once and {@code purchase.completed} after a simulated payment, which the aggregate
 * counts, and moves the document to paying, then completed. Paying twice pays once.
 */
public final class TokenSaleDesk implements Module {

  static final String CHANNEL = "sales";
  static final int MAX_BATCHES = 10;
  static final long PAYMENT_MS = 1500;
  private static final Logger LOG = LoggerFactory.getLogger(TokenSaleDesk.class);

  private final Vertx vertx;
  private final Channels channels;
  private final AggregatesModule aggregates;
  private final DocumentsModule documents;
  private final Authenticator auth;
  /** Batches accepted and not completed yet: the aggregate counts completed ones only. */
  private final AtomicLong reserved = new AtomicLong();

  public TokenSaleDesk(Vertx vertx, Channels channels, AggregatesModule aggregates, DocumentsModule documents, Authenticator auth) {
    this.vertx = vertx;
    this.channels = channels;
    this.aggregates = aggregates;
    this.documents = documents;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.post("/dev/token-sale/purchases/:id/pay").handler(this::pay);
  }

  private void pay(RoutingContext ctx) {
    Rest.respond(ctx, auth, who -> {
      String buyer = who.requireUser("paying for a purchase");
      String id = ctx.pathParam("id");
      return documents.read("purchases", id).compose(purchase -> {
        if (!buyer.equals(purchase.getString("buyerId"))) {
          throw HeraldException.notFound("no purchase " + id); // someone else's: it does not exist for this buyer
        }
        if (!"pending".equals(purchase.getString("status"))) {
          return answer(ctx, 200, purchase); // paid before: once is enough
        }
        if (!(purchase.getValue("batchCount") instanceof Integer batches) || batches < 1 || batches > MAX_BATCHES) {
          return mark(purchase, "refused").compose(refused -> Future.failedFuture(HeraldException.badRequest("invalid_purchase",
              "batchCount must be a whole number from 1 to " + MAX_BATCHES)));
        }
        // the move to paying is conditional on the rev read: of two payments racing, one goes on
        return mark(purchase, "paying").compose(paying -> sell(ctx, paying, batches), failed ->
            failed instanceof HeraldException he && he.status() == 409
                ? answer(ctx, 200, purchase.put("status", "paying")) // the other payment went on
                : Future.failedFuture(failed));
      });
    });
  }

  /** Reserves the batches against the goal, then publishes pending and, after the payment, completed. */
  private Future<Void> sell(RoutingContext ctx, JsonObject purchase, long batches) {
    reserved.addAndGet(batches); // before reading what is sold: two buyers cannot take the same last batches
    return aggregates.values("sales")
        .compose(values -> {
          long free = values.getLong("remainingBatches", 0L) - reserved.get() + batches;
          if (batches > free) {
            reserved.addAndGet(-batches);
            return mark(purchase, "sold_out").compose(marked -> Future.failedFuture(
                new HeraldException(409, "sold_out", "only " + Math.max(free, 0) + " batches are left")));
          }
          return publish("purchase.pending", event(purchase)).compose(receipt -> {
            vertx.setTimer(PAYMENT_MS, t -> complete(purchase, 10));
            return answer(ctx, 202, purchase);
          });
        }, failed -> {
          reserved.addAndGet(-batches);
          return Future.failedFuture(failed);
        });
  }

  /** The payment went through: counted once however often this is retried (the event id). */
  private void complete(JsonObject purchase, int triesLeft) {
    long batches = purchase.getLong("batchCount");
    publish("purchase.completed", event(purchase))
        .compose(r -> mark(purchase, "completed"))
        .onSuccess(done -> reserved.addAndGet(-batches))
        .onFailure(e -> {
          if (triesLeft > 0) {
            vertx.setTimer(1000, t -> complete(purchase, triesLeft - 1));
          } else {
            LOG.warn("purchase {} was never completed: {}", purchase.getString("_id"), e.toString());
            reserved.addAndGet(-batches);
          }
        });
  }

  /** The purchase document moved to this status, if it is still at the rev read. */
  private Future<JsonObject> mark(JsonObject purchase, String status) {
    return documents.write(new JsonObject().put("op", "patch").put("collection", "purchases").put("id", purchase.getString("_id"))
        .put("patch", new JsonObject().put("status", status)).put("ifMatch", purchase.getLong("_rev")));
  }

  private static JsonObject event(JsonObject purchase) {
    return new JsonObject().put("purchaseId", purchase.getString("_id")).put("batchCount", purchase.getValue("batchCount"))
        .put("buyer", purchase.getString("buyerId"));
  }

  private Future<?> publish(String type, JsonObject data) {
    String id = data.getString("purchaseId") + ":" + type;
    return channels.publish(Identity.SERVER, new NewEvent(CHANNEL, id, true, type, data.encode()));
  }

  private static Future<Void> answer(RoutingContext ctx, int status, JsonObject purchase) {
    Rest.reply(ctx, status, new JsonObject().put("purchaseId", purchase.getString("_id")).put("status", purchase.getString("status"))
        .put("completesInMs", PAYMENT_MS));
    return Future.succeededFuture();
  }
}
