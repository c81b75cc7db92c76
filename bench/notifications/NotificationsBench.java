import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issue #16's benchmarks against one Herald (bench/run-notifications.sh starts it).
 *
 * <p>intake: verified, routed chainhook deliveries per second, each a block with one
 * stream-created print event (3 events: stream:{id}, user:{sender}, user:{recipient}), against the
 * peer: POST /api/v1/events with the same 3 events (same channels, ids, data) per request. Closed
 * loop, {@code --concurrency} requests in flight, the two alternated {@code --rounds} times
 * (warm-up, then a measured window each), so both see the same machine.
 *
 * <p>inbox: GET /api/v1/me/notifications (limit 50) for a user holding {@code --inbox-size}
 * notifications (half read) and for a user whose role holds as many, open loop at {@code --read-rate}
 * per second (latency from each request's scheduled time, so a stall counts for everything it delays).
 */
public final class NotificationsBench {

  static final String SENDER = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7";
  static final String RECIPIENT = "SP1HTBVD3JG9C05J7HBJTHGR0GGW7KXW28M5JS8QE";

  final Map<String, String> o;
  final Vertx vertx = Vertx.vertx();
  final HttpClient http;
  final String host;
  final int port;
  final List<Cpu.Proc> procs = new ArrayList<>();
  final Jwt jwt;
  final AtomicLong serial = new AtomicLong(1_000_000);

  NotificationsBench(Map<String, String> o) {
    this.o = o;
    java.net.URI url = java.net.URI.create(o.get("url"));
    this.host = url.getHost();
    this.port = url.getPort();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(Integer.parseInt(o.getOrDefault("concurrency", "64")) + 16));
    this.jwt = new Jwt(o.get("jwt-secret"));
    procs.add(new Cpu.Proc("herald", Long.parseLong(o.get("herald-pid")), false, false));
    if (o.containsKey("pg-pid")) {
      procs.add(new Cpu.Proc("postgres", Long.parseLong(o.get("pg-pid")), true, true));
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    NotificationsBench b = new NotificationsBench(o);
    JsonObject report = new JsonObject().put("benchmark", "herald-notifications").put("label", o.get("label"))
        .put("started_at", Instant.now().toString());
    List<String> scenarios = List.of(o.getOrDefault("scenarios", "intake,inbox").split(","));
    if (scenarios.contains("intake")) {
      report.put("intake", b.intake());
    }
    if (scenarios.contains("inbox")) {
      report.put("inbox", b.inbox());
    }
    Files.writeString(Path.of(o.get("out")), report.encodePrettily());
    b.vertx.close();
    System.exit(0);
  }

  // ---- intake ----

  JsonObject intake() throws Exception {
    int rounds = Integer.parseInt(o.getOrDefault("rounds", "2"));
    JsonArray runs = new JsonArray();
    List<Double> webhook = new ArrayList<>();
    List<Double> batch = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      // alternate which goes first: the database only grows, and the second of a round meets more of it
      JsonObject w;
      JsonObject p;
      if (r % 2 == 0) {
        w = closedLoop("webhook", this::delivery);
        p = closedLoop("batch publish", this::batch);
      } else {
        p = closedLoop("batch publish", this::batch);
        w = closedLoop("webhook", this::delivery);
      }
      webhook.add(w.getDouble("requests_per_s"));
      batch.add(p.getDouble("requests_per_s"));
      runs.add(new JsonObject().put("round", r + 1).put("webhook", w).put("batch_publish", p));
      log("round " + (r + 1) + ": webhook " + w.getDouble("requests_per_s") + "/s, batch publish " + p.getDouble("requests_per_s") + "/s");
    }
    double ratio = Stats.round(median(webhook) / median(batch), 3);
    return new JsonObject().put("question", "verified, routed deliveries/s (3 events each) vs a batch publish of the same 3 events per request")
        .put("rounds", runs)
        .put("summary", new JsonObject().put("webhook_per_s_median", median(webhook)).put("batch_publish_per_s_median", median(batch))
            .put("ratio_webhook_over_batch", ratio).put("target_at_least", 0.7).put("target_met", ratio >= 0.7));
  }

  /** A chainhook block with one stream-created event, signed; its tx hash (and so its event ids) unique. */
  Future<Integer> delivery(long n) {
    String hash = String.format("0x%064x", n);
    JsonObject value = new JsonObject().put("event", "stream-created").put("stream-id", n).put("sender", SENDER)
        .put("recipient", RECIPIENT).put("amount", 250000000).put("start-block", 182345).put("end-block", 186665);
    JsonObject event = new JsonObject().put("type", "SmartContractEvent").put("position", new JsonObject().put("index", 0))
        .put("data", new JsonObject().put("contract_identifier", "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.bitpay-streams")
            .put("topic", "print").put("value", value));
    JsonObject tx = new JsonObject().put("transaction_identifier", new JsonObject().put("hash", hash))
        .put("metadata", new JsonObject().put("success", true).put("sender", SENDER)
            .put("receipt", new JsonObject().put("events", new JsonArray().add(event))));
    JsonObject block = new JsonObject().put("block_identifier", new JsonObject().put("index", 182345).put("hash", hash))
        .put("transactions", new JsonArray().add(tx));
    String body = new JsonObject().put("apply", new JsonArray().add(block)).put("rollback", new JsonArray()).encode();
    return send(HttpMethod.POST, "/api/v1/webhooks/chainhook", body, "X-Signature", "sha256=" + hmac(body), "X-Delivery-Id", "d-" + n);
  }

  /** The same 3 events as {@link #delivery} makes of block n, published in one request. */
  Future<Integer> batch(long n) {
    String hash = String.format("0x%064x", n);
    JsonObject data = new JsonObject().put("streamId", n).put("sender", SENDER).put("recipient", RECIPIENT).put("amount", 250000000)
        .put("startBlock", 182345).put("endBlock", 186665).put("event", "stream-created").put("txId", hash)
        .put("blockHeight", 182345).put("contract", "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.bitpay-streams");
    JsonArray events = new JsonArray();
    for (String channel : List.of("stream:" + n, "user:" + SENDER, "user:" + RECIPIENT)) {
      events.add(new JsonObject().put("channel", channel).put("type", "stream.created").put("id", hash + ":0").put("data", data));
    }
    return send(HttpMethod.POST, "/api/v1/events", events.encode(), "X-Api-Key", o.get("api-key"));
  }

  JsonObject closedLoop(String name, LongFunction<Future<Integer>> request) throws Exception {
    long warmupNs = (long) (Double.parseDouble(o.getOrDefault("warmup", "5")) * 1e9);
    long measureNs = (long) (Double.parseDouble(o.getOrDefault("duration", "10")) * 1e9);
    int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "64"));
    long start = System.nanoTime();
    long from = start + warmupNs;
    long until = from + measureNs;
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger measured = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger running = new AtomicInteger(concurrency);
    Map<String, Long>[] cpuAt = new Map[2];
    vertx.setTimer(Math.max(1, warmupNs / 1_000_000), t -> cpuAt[0] = Cpu.sample(procs));
    for (int i = 0; i < concurrency; i++) {
      vertx.runOnContext(v -> loop(request, until, from, latencies, errors, measured, running, done));
    }
    done.get();
    cpuAt[1] = Cpu.sample(procs);
    long[] ns = latencies.stream().mapToLong(Long::longValue).toArray();
    double seconds = measureNs / 1e9;
    JsonObject cpu = Cpu.diff(procs, cpuAt[0], cpuAt[1], seconds);
    return new JsonObject().put("name", name).put("requests_per_s", Stats.round(measured.get() / seconds, 1))
        .put("events_per_s", Stats.round(3 * measured.get() / seconds, 1)).put("latency_ms", Stats.latencyMs(ns))
        .put("errors", errors.get()).put("cpu", cpu);
  }

  private void loop(LongFunction<Future<Integer>> request, long until, long from, List<Long> latencies, AtomicInteger errors,
      AtomicInteger measured, AtomicInteger running, CompletableFuture<Void> done) {
    long sent = System.nanoTime();
    if (sent >= until) {
      if (running.decrementAndGet() == 0) {
        done.complete(null);
      }
      return;
    }
    request.apply(serial.incrementAndGet()).onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.failed() || ar.result() / 100 != 2) {
        errors.incrementAndGet();
      } else if (sent >= from && now <= until) {
        latencies.add(now - sent);
        measured.incrementAndGet();
      }
      loop(request, until, from, latencies, errors, measured, running, done);
    });
  }

  // ---- inbox ----

  JsonObject inbox() throws Exception {
    int size = Integer.parseInt(o.getOrDefault("inbox-size", "10000"));
    String userToken = jwt.sign("inbox-reader");
    String roleToken = jwt.sign("role-reader", "bench-role");
    long t0 = System.nanoTime();
    if (!"false".equals(o.get("seed"))) { // --seed false: a node seeded by an earlier run (diagnosis)
      seedAll(size, userToken);
    }
    log("seeded " + size + " + " + size + " notifications, half of the user's read, in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    return new JsonObject().put("question", "GET /api/v1/me/notifications p99 at " + o.getOrDefault("read-rate", "500") + " reads/s")
        .put("inbox_size", size)
        .put("user_with_own_notifications", openLoop(userToken))
        .put("user_whose_role_holds_them", openLoop(roleToken));
  }

  private void seedAll(int size, String userToken) throws Exception {
    seed(size, i -> new JsonObject().put("to", new JsonObject().put("userId", "inbox-reader")).put("id", "u-" + i)
        .put("type", "invoice.funded").put("title", "Invoice " + i + " was funded").put("data", new JsonObject().put("amount", i)));
    seed(size, i -> new JsonObject().put("to", new JsonObject().put("role", "bench-role")).put("id", "r-" + i)
        .put("type", "invoice.listed").put("title", "Invoice " + i + " listed").put("data", new JsonObject().put("amount", i)));
    markHalfRead(size, userToken);
  }

  private void seed(int n, java.util.function.IntFunction<JsonObject> notification) throws Exception {
    parallel(n, i -> send(HttpMethod.POST, "/api/v1/notifications", notification.apply(i).encode(), "X-Api-Key", o.get("api-key")));
  }

  private void markHalfRead(int n, String token) throws Exception {
    parallel(n / 2, i -> send(HttpMethod.POST, "/api/v1/me/notifications/u-" + (2 * i) + "/read", "{}",
        "Authorization", "Bearer " + token));
  }

  /** n requests, 64 at a time; fails on any non-2xx. */
  private void parallel(int n, java.util.function.IntFunction<Future<Integer>> request) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger running = new AtomicInteger(64);
    for (int w = 0; w < 64; w++) {
      vertx.runOnContext(v -> chain(n, request, next, failed, running, done));
    }
    done.get();
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " seeding requests failed");
    }
  }

  private void chain(int n, java.util.function.IntFunction<Future<Integer>> request, AtomicInteger next, AtomicInteger failed,
      AtomicInteger running, CompletableFuture<Void> done) {
    int i = next.getAndIncrement();
    if (i >= n) {
      if (running.decrementAndGet() == 0) {
        done.complete(null);
      }
      return;
    }
    request.apply(i).onComplete(ar -> {
      if (ar.failed() || ar.result() / 100 != 2) {
        failed.incrementAndGet();
      }
      chain(n, request, next, failed, running, done);
    });
  }

  JsonObject openLoop(String token) throws Exception {
    double rate = Double.parseDouble(o.getOrDefault("read-rate", "500"));
    long warmupNs = (long) (Double.parseDouble(o.getOrDefault("warmup", "5")) * 1e9);
    long measureNs = (long) (Double.parseDouble(o.getOrDefault("read-duration", "20")) * 1e9);
    long start = System.nanoTime();
    long total = (long) (rate * (warmupNs + measureNs) / 1e9);
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger outstanding = new AtomicInteger();
    AtomicInteger skipped = new AtomicInteger();
    AtomicLong issued = new AtomicLong();
    AtomicInteger completed = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Map<String, Long>[] cpuAt = new Map[2];
    vertx.setTimer(Math.max(1, warmupNs / 1_000_000), t -> cpuAt[0] = Cpu.sample(procs));
    vertx.setPeriodic(1, timer -> {
      long now = System.nanoTime();
      long due = Math.min(total, (long) ((now - start) / 1e9 * rate));
      while (issued.get() < due) {
        long i = issued.getAndIncrement();
        long scheduled = start + (long) (i / rate * 1e9);
        if (outstanding.get() >= 1000) {
          skipped.incrementAndGet();
          finish(total, completed, done);
          continue;
        }
        outstanding.incrementAndGet();
        send(HttpMethod.GET, "/api/v1/me/notifications", null, "Authorization", "Bearer " + token).onComplete(ar -> {
          outstanding.decrementAndGet();
          if (ar.failed() || ar.result() != 200) {
            errors.incrementAndGet();
          } else if (scheduled >= start + warmupNs) {
            latencies.add(System.nanoTime() - scheduled);
          }
          finish(total, completed, done);
        });
      }
      if (issued.get() >= total) {
        vertx.cancelTimer(timer);
      }
    });
    done.get();
    cpuAt[1] = Cpu.sample(procs);
    long[] ns = latencies.stream().mapToLong(Long::longValue).toArray();
    return new JsonObject().put("offered_per_s", rate).put("latency_ms", Stats.latencyMs(ns)).put("errors", errors.get())
        .put("skipped_over_1000_outstanding", skipped.get())
        .put("cpu", Cpu.diff(procs, cpuAt[0], cpuAt[1], (System.nanoTime() - start - warmupNs) / 1e9));
  }

  private static void finish(long total, AtomicInteger completed, CompletableFuture<Void> done) {
    if (completed.incrementAndGet() == total) {
      done.complete(null);
    }
  }

  // ---- plumbing ----

  Future<Integer> send(HttpMethod method, String uri, String body, String... headers) {
    RequestOptions req = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri)
        .putHeader("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      req.putHeader(headers[i], headers[i + 1]);
    }
    return http.request(req)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  String hmac(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(o.get("chainhook-secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    return s.isEmpty() ? 0 : s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }

  static void log(String line) {
    System.err.println("[notifications] " + line);
  }
}
