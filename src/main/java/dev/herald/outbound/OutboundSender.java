package dev.herald.outbound;

import dev.herald.core.Digests;
import dev.herald.core.OnlineUsers;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the outbound queue on every node: claims due deliveries with a lease (a node that dies
 * mid-POST leaves them to another once it runs out), skips users who are online, POSTs the rest,
 * and on failure waits out the backoff or, past the last attempt, dead-letters the delivery.
 */
final class OutboundSender extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboundSender.class);
  static final long POLL_MS = 200;
  private static final int BATCH = 16;
  private static final Duration LEASE = Duration.ofSeconds(60);

  private final OutboundSettings settings;
  private final Pool pool;
  private final OnlineUsers online;
  private HttpClient http;
  private boolean polling;

  OutboundSender(OutboundSettings settings, Pool pool, OnlineUsers online) {
    this.settings = settings;
    this.pool = pool;
    this.online = online;
  }

  @Override
  public Future<?> start() {
    http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) settings.timeout().toMillis()));
    vertx.setPeriodic(POLL_MS, t -> poll());
    return Future.succeededFuture();
  }

  /** One claim at a time per node: the next poll waits until this batch is settled. */
  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    pool.preparedQuery("UPDATE outbound_deliveries SET attempts = attempts + 1, next_at = now() + $1 * interval '1 millisecond' "
            + "WHERE id IN (SELECT id FROM outbound_deliveries WHERE status = 'pending' AND next_at <= now() "
            + "ORDER BY next_at LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED) "
            + "RETURNING id, delivery_id, user_id, payload, attempts")
        .execute(Tuple.of(LEASE.toMillis()))
        .compose(rows -> {
          List<Row> due = new ArrayList<>();
          rows.forEach(due::add);
          if (due.isEmpty()) {
            return Future.succeededFuture();
          }
          return online.of(due.stream().map(r -> r.getString("user_id")).toList())
              .compose(on -> Future.join(due.stream().map(r -> deliver(r, on)).toList()));
        })
        .onComplete(ar -> {
          polling = false;
          if (ar.failed()) {
            LOG.warn("outbound delivery round failed: {}", ar.cause().getMessage());
          }
        });
  }

  private Future<Void> deliver(Row row, Set<String> online) {
    long id = row.getLong("id");
    if (online.contains(row.getString("user_id"))) {
      return settle(id, "skipped", null, null); // on a socket somewhere: it had the notification live
    }
    String body = new JsonObject().put("deliveryId", row.getString("delivery_id")).put("userId", row.getString("user_id"))
        .put("notification", new JsonObject(row.getString("payload"))).encode();
    String timestamp = String.valueOf(Instant.now().getEpochSecond());
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.url().toString())
        .setTimeout(settings.timeout().toMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Herald-Delivery-Id", row.getString("delivery_id"))
        .putHeader("X-Herald-Timestamp", timestamp)
        .putHeader("X-Herald-Signature", "sha256=" + sign(timestamp + "." + body));
    int attempt = row.getInteger("attempts");
    return http.request(request)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .transform(ar -> {
          if (ar.succeeded() && ar.result() / 100 == 2) {
            return settle(id, "delivered", null, null);
          }
          String error = ar.succeeded() ? "the receiver answered " + ar.result() : ar.cause().toString();
          if (attempt >= settings.maxAttempts()) {
            LOG.warn("outbound delivery {} dead-lettered after {} attempts: {}", row.getString("delivery_id"), attempt, error);
            return settle(id, "failed", error, null);
          }
          return settle(id, "pending", error, settings.backoff(attempt));
        });
  }

  private Future<Void> settle(long id, String status, String error, Duration retryIn) {
    return pool.preparedQuery("UPDATE outbound_deliveries SET status = $2, last_error = $3, "
            + "next_at = CASE WHEN $4::bigint IS NULL THEN next_at ELSE now() + $4 * interval '1 millisecond' END WHERE id = $1")
        .execute(Tuple.of(id, status, error, retryIn == null ? null : retryIn.toMillis()))
        .mapEmpty();
  }

  private String sign(String text) {
    return Digests.hmacSha256Hex(settings.secret(), text.getBytes(StandardCharsets.UTF_8));
  }
}
