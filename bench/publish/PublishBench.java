// Herald publish benchmark: durable publish throughput and publish->deliver latency on one node.
//
// Normally started by bench/run-publish.sh, which starts and stops a throw-away Herald. By hand, compile it with
// the disk probe it shares with bench/compare and run it with the fat jar on the classpath:
//   javac -d /tmp/gen -cp target/herald.jar bench/publish/PublishBench.java bench/common/DiskProbe.java
//   java -cp /tmp/gen:target/herald.jar PublishBench --url http://127.0.0.1:8080 --api-key k1 \
//        --data-dir /path/to/HERALD_DATA_DIR [--herald-pid PID] [--out bench/results/x.json]
// (Compiled up front so that the measuring JVM does not spend a core JIT-compiling javac during the first phases.)
//
// Phases (all bounded in time; every number is measured in this one run):
//   jit-warmup                : both JVMs start cold: 64 in flight over 10 channels with subscribers, not reported
//   herald-1ch / herald-100ch : closed loop, --concurrency requests in flight, REST publish, to 1 / 100 channels
//   herald-rate               : open loop at --rate events/s to 1 channel with one WebSocket subscriber:
//                               publish latency (send -> 201) and deliver latency (send -> rec frame)
//   herald-1-in-flight        : closed loop with 1 request in flight (no group to commit)
//   naive-*                   : the peer: the same append (bump channel head + insert event), one
//                               transaction per event, straight to the same PostgreSQL (Vert.x pg client)
// Output: one JSON document on stdout and in --out. Progress goes to stderr.

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

public class PublishBench {

  public static void main(String[] args) throws Exception {
    Opts o = Opts.parse(args);
    int code;
    try {
      code = new PublishBench(o).run();
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    System.exit(code); // Vert.x threads would keep the JVM alive
  }

  private final Opts o;
  private final Vertx vertx;
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
  private final Cpu cpu;
  static final double QUIET_CORES = 0.25;
  private Pool stats;
  private final Instant heraldStart;

  PublishBench(Opts o) {
    this.o = o;
    // two event loops: publishers on one, the WebSocket subscriber on the other
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    this.cpu = new Cpu(o.heraldPid, o.pgPid);
    this.heraldStart = o.heraldPid > 0
        ? ProcessHandle.of(o.heraldPid).flatMap(h -> h.info().startInstant()).orElse(null) : null;
  }

  int run() throws Exception {
    long started = System.nanoTime();
    JsonObject report = new JsonObject()
        .put("benchmark", "herald-publish")
        .put("started_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .put("run_id", runId)
        .put("label", o.label)
        .put("machine", Machine.info(o.dataDir))
        .put("config", o.toJson());
    if (o.pgPort > 0) {
      stats = pgPool(1); // kept open: reads autovacuum statistics at the end
      report.put("postgres", pgSettings(stats));
    }
    List<String> one = List.of("market:b" + runId + "-one");
    List<String> many = new ArrayList<>();
    for (int i = 0; i < o.manyChannels; i++) {
      many.add("market:b" + runId + "-many-" + i);
    }

    if (o.jitWarmupS > 0) {
      // Both JVMs (Herald's and ours) start cold; run the same code paths for a while so that the
      // measured phases see compiled code, not the JIT compiler competing for the two cores.
      List<String> warm = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        warm.add("market:b" + runId + "-jit-" + i);
      }
      // with a WebSocket subscriber per channel, so the delivery path is compiled too
      Context subCtx = newContext();
      List<Subscriber> subs = new ArrayList<>();
      for (String ch : warm) {
        Subscriber sub = new Subscriber(subCtx, ch);
        Future.<Void>future(p -> subCtx.runOnContext(v -> sub.connect().onComplete(p))).await();
        subs.add(sub);
      }
      Thread.sleep(300);
      JsonObject jit = jitWarmup(warm);
      long frames = Future.<Long>future(p -> subCtx.runOnContext(v -> {
        long n = 0;
        for (Subscriber sub : subs) {
          n += sub.frames;
          sub.close();
        }
        p.complete(n);
      })).await();
      report.put("jit_warmup", new JsonObject().put("duration_s", jit.getDouble("duration_s"))
          .put("events", jit.getLong("ok_total"))
          .put("events_per_s", jit.getDouble("events_per_s")).put("frames_delivered", frames)
          .put("errors", jit.getJsonObject("errors")));
    }

    JsonArray throughput = new JsonArray();
    if (o.phases.contains("one")) {
      throughput.add(closedLoopHerald("herald-1ch", one, o.concurrency));
    }
    if (o.phases.contains("many")) {
      throughput.add(closedLoopHerald("herald-" + o.manyChannels + "ch", many, o.concurrency));
    }
    report.put("throughput", throughput);

    JsonObject rate = null;
    if (o.phases.contains("rate")) {
      rate = openLoopHerald("herald-rate", "market:b" + runId + "-lat");
      report.put("latency_at_rate", rate);
    }
    // after the rate phase: trimming and vacuuming a million batched events would be its weather
    if (o.phases.contains("batch")) {
      List<String> batchOne = List.of("market:b" + runId + "-batch-one");
      List<String> batchMany = many.stream().map(ch -> ch.replace("-many-", "-batch-many-")).toList();
      throughput.add(closedLoopBatches("herald-batch" + o.batchSize + "-1ch", batchOne));
      throughput.add(closedLoopBatches("herald-batch" + o.batchSize + "-" + o.manyChannels + "ch", batchMany));
    }

    JsonArray peers = new JsonArray();
    if (o.phases.contains("serial")) {
      peers.add(closedLoopHerald("herald-1-in-flight", List.of("market:b" + runId + "-serial"), 1, o.peerWarmupS,
          o.peerDurationS));
    }
    if (o.phases.contains("naive") && o.pgPort > 0) {
      peers.add(naive("naive-1conn-1ch", List.of("peer:n" + runId + "-serial"), 1));
      peers.add(naive("naive-" + o.peerConnections + "conn-1ch", List.of("peer:n" + runId + "-one"), o.peerConnections));
      List<String> peerMany = new ArrayList<>();
      for (int i = 0; i < o.manyChannels; i++) {
        peerMany.add("peer:n" + runId + "-many-" + i);
      }
      peers.add(naive("naive-" + o.peerConnections + "conn-" + o.manyChannels + "ch", peerMany, o.peerConnections));
    }
    report.put("peers", peers);
    report.put("summary", summary(throughput, rate, peers));
    report.put("load_average_end", Machine.loadAverage());
    if (stats != null) {
      report.put("postgres_maintenance", pgMaintenance());
    }
    report.put("wall_s", round((System.nanoTime() - started) / 1e9, 1));

    String json = report.encodePrettily();
    System.out.println(json);
    if (o.out != null) {
      Path out = Path.of(o.out);
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, json + "\n");
      log("wrote " + out);
    }
    if (stats != null) {
      stats.close().await();
    }
    vertx.close().await();
    return 0;
  }

  // ------------------------------------------------------------------ closed loop over Herald's REST API

  /** 64 in flight until --jit-warmup-events are committed or --jit-warmup seconds have passed. */
  JsonObject jitWarmup(List<String> channels) throws Exception {
    log("phase jit-warmup: 64 in flight, " + channels.size() + " channels with a subscriber each, until "
        + o.jitWarmupEvents + " events or " + o.jitWarmupS + " s");
    Context ctx = newContext();
    HttpClient[] client = new HttpClient[1];
    BiFunction<String, Long, Future<Integer>> send = (channel, t) -> post(client[0],
        "/api/v1/channels/" + channel + "/events", body("bench", t, t));
    ClosedLoop loop = new ClosedLoop(ctx, 64, channels, 0, o.jitWarmupS, send);
    loop.stopAfter = o.jitWarmupEvents;
    ctx.runOnContext(v -> {
      client[0] = httpClient(64);
      loop.start();
    });
    JsonObject result = loop.done.future().toCompletionStage().toCompletableFuture()
        .get((long) o.jitWarmupS + 30, TimeUnit.SECONDS);
    ctx.runOnContext(v -> client[0].close());
    log("  " + result.getLong("ok_total") + " events in " + result.getDouble("duration_s") + " s");
    return result;
  }

  JsonObject closedLoopHerald(String name, List<String> channels, int concurrency) throws Exception {
    return closedLoopHerald(name, channels, concurrency, o.warmupS, o.durationS);
  }

  JsonObject closedLoopHerald(String name, List<String> channels, int concurrency, double warmupS, double durationS)
      throws Exception {
    HttpClient[] client = new HttpClient[1];
    BiFunction<String, Long, Future<Integer>> send = (channel, t) -> post(client[0],
        "/api/v1/channels/" + channel + "/events", body("bench", t, t));
    return closedLoopRest(name, channels, concurrency, warmupS, durationS, 1, client, send);
  }

  /** Like the closed loop above, but every request is a POST /api/v1/events of --batch-size events, spread over the channels. */
  JsonObject closedLoopBatches(String name, List<String> channels) throws Exception {
    HttpClient[] client = new HttpClient[1];
    long[] item = new long[1];
    BiFunction<String, Long, Future<Integer>> send = (ignored, t) -> {
      StringBuilder batch = new StringBuilder("[");
      for (int i = 0; i < o.batchSize; i++) {
        String channel = channels.get((int) (item[0]++ % channels.size()));
        String event = body("bench", t, t);
        batch.append(i == 0 ? "" : ",").append("{\"channel\":\"").append(channel).append("\",").append(event, 1, event.length());
      }
      return post(client[0], "/api/v1/events", batch.append(']').toString());
    };
    return closedLoopRest(name, channels, o.batchConcurrency, o.warmupS, o.durationS, o.batchSize, client, send);
  }

  JsonObject closedLoopRest(String name, List<String> channels, int concurrency, double warmupS, double durationS,
      int eventsPerRequest, HttpClient[] client, BiFunction<String, Long, Future<Integer>> send) throws Exception {
    log("phase " + name + ": " + concurrency + " requests of " + eventsPerRequest + " event(s) in flight, "
        + channels.size() + " channel(s), warm-up " + warmupS + " s, measure " + durationS + " s");
    Context ctx = newContext();
    ClosedLoop loop = new ClosedLoop(ctx, concurrency, channels, warmupS, durationS, send);
    loop.eventsPerSend = eventsPerRequest;
    ctx.runOnContext(v -> {
      client[0] = httpClient(concurrency);
      loop.start();
    });
    JsonObject result = loop.awaitWithCpu(cpu);
    ctx.runOnContext(v -> client[0].close());
    result.put("name", name).put("kind", eventsPerRequest == 1 ? "herald-rest" : "herald-rest-batch")
        .put("channels", channels.size()).put("concurrency", concurrency).put("events_per_request", eventsPerRequest);
    // committed = what the server's channel heads say, not just what we counted
    long heads = 0;
    for (String ch : channels) {
      heads += head(ch);
    }
    result.put("server_committed_total", heads);
    result.put("verified", heads == result.getLong("ok_total"));
    log("  " + result.getDouble("events_per_s") + " events/s, latency " + result.getJsonObject("latency_ms").encode()
        + ", errors " + result.getJsonObject("errors").encode());
    return result;
  }

  // ------------------------------------------------------------------ the peer: one transaction per event

  JsonObject naive(String name, List<String> channels, int connections) throws Exception {
    log("phase " + name + ": one INSERT transaction per event, " + connections + " connection(s), " + channels.size()
        + " channel(s), warm-up " + o.peerWarmupS + " s, measure " + o.peerDurationS + " s");
    Context ctx = newContext();
    Pool[] pool = new Pool[1];
    BiFunction<String, Long, Future<Integer>> send = (channel, t) -> pool[0].withTransaction(conn -> conn
        .preparedQuery("INSERT INTO channels (name, namespace, last_seq) VALUES ($1, $2, 1) "
            + "ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + 1 RETURNING last_seq")
        .execute(Tuple.of(channel, channel.substring(0, channel.indexOf(':'))))
        .compose(rows -> conn
            .preparedQuery("INSERT INTO events (channel, seq, id, client_id, type, data, ts) VALUES ($1, $2, $3, false, $4, $5::json, $6)")
            .execute(Tuple.of(channel, rows.iterator().next().getLong(0), UUID.randomUUID().toString(), "bench",
                "{\"t\":" + t + "}", OffsetDateTime.now(ZoneOffset.UTC)))))
        .map(201);
    ClosedLoop loop = new ClosedLoop(ctx, connections, channels, o.peerWarmupS, o.peerDurationS, send);
    ctx.runOnContext(v -> {
      pool[0] = pgPool(connections);
      loop.start();
    });
    JsonObject result = loop.awaitWithCpu(cpu);
    Future<Long> heads = Future.future(p -> ctx.runOnContext(v -> pool[0]
        .preparedQuery("SELECT coalesce(sum(last_seq), 0) FROM channels WHERE name = ANY($1)")
        .execute(Tuple.of((Object) channels.toArray(new String[0])))
        .map(rows -> rows.iterator().next().getLong(0))
        .onComplete(p)));
    long committed = heads.await();
    ctx.runOnContext(v -> pool[0].close());
    result.put("name", name).put("kind", "naive-pg-transaction-per-event").put("channels", channels.size())
        .put("concurrency", connections)
        .put("server_committed_total", committed).put("verified", committed == result.getLong("ok_total"));
    log("  " + result.getDouble("events_per_s") + " events/s, latency " + result.getJsonObject("latency_ms").encode()
        + ", errors " + result.getJsonObject("errors").encode());
    return result;
  }

  /** N slots, each sends, waits for its answer and sends again, until the window closes. */
  final class ClosedLoop {
    final Context ctx;
    final int slots;
    final List<String> channels;
    final BiFunction<String, Long, Future<Integer>> send;
    final long t0;
    final long measureStart;
    final long end;
    long stopAfter = Long.MAX_VALUE; // ok events; the JIT warm-up stops early once it has done enough
    int eventsPerSend = 1; // a batch request carries several events; latency is per request
    long stoppedAt;
    final Promise<JsonObject> done = Promise.promise();
    final Hist latency = new Hist();
    final Errors errors = new Errors();
    long next;
    long okTotal;
    long okInWindow;
    long sentTotal;
    int finished;

    ClosedLoop(Context ctx, int slots, List<String> channels, double warmupS, double durationS,
        BiFunction<String, Long, Future<Integer>> send) {
      this.ctx = ctx;
      this.slots = slots;
      this.channels = channels;
      this.send = send;
      this.t0 = System.nanoTime() + 200_000_000L; // a moment to open connections
      this.measureStart = t0 + (long) (warmupS * 1e9);
      this.end = measureStart + (long) (durationS * 1e9);
    }

    void start() {
      long delayMs = Math.max(1, (t0 - System.nanoTime()) / 1_000_000);
      vertx.setTimer(delayMs, t -> {
        for (int i = 0; i < slots; i++) {
          fire();
        }
      });
    }

    private void fire() {
      long start = System.nanoTime();
      if (start >= end || okTotal >= stopAfter) {
        if (stoppedAt == 0) {
          stoppedAt = start;
        }
        if (++finished == slots) {
          done.complete(result());
        }
        return;
      }
      String channel = channels.get((int) (next++ % channels.size()));
      sentTotal++;
      Future<Integer> f;
      try {
        f = send.apply(channel, start);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        long now = System.nanoTime();
        boolean ok = ar.succeeded() && ar.result() == 201;
        if (ok) {
          okTotal += eventsPerSend;
          if (now >= measureStart && now < end) {
            okInWindow += eventsPerSend;
            latency.add(now - start);
          }
          fire();
        } else {
          errors.add(ar);
          vertx.setTimer(10, t -> fire()); // do not spin on a failing server
        }
      });
    }

    private JsonObject result() {
      double seconds = (Math.min(end, stoppedAt == 0 ? end : stoppedAt) - measureStart) / 1e9;
      return new JsonObject()
          .put("warmup_s", round((measureStart - t0) / 1e9, 2))
          .put("duration_s", round(seconds, 2))
          .put("sent_total", sentTotal)
          .put("ok_total", okTotal)
          .put("ok_in_window", okInWindow)
          .put("events_per_s", round(okInWindow / seconds, 0))
          .put("latency_ms", latency.summary())
          .put("errors", errors.toJson());
    }

    JsonObject awaitWithCpu(Cpu cpu) throws Exception {
      sleepUntil(measureStart);
      Map<String, Long> before = cpu.sample();
      JsonObject window = windowStart();
      sleepUntil(end);
      Map<String, Long> after = cpu.sample();
      windowEnd(window);
      Future<JsonObject> f = done.future();
      JsonObject result = f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return result.put("cpu_cores_used", Cpu.diff(before, after, (end - measureStart) / 1e9)).put("window", window);
    }
  }

  // ------------------------------------------------------------------ open loop: fixed offered rate

  JsonObject openLoopHerald(String name, String channel) throws Exception {
    double rate = o.rate;
    log("phase " + name + ": open loop at " + rate + " events/s to " + channel + ", one WebSocket subscriber, warm-up "
        + o.rateWarmupS + " s, measure " + o.rateDurationS + " s");
    Context pubCtx = newContext();
    Context subCtx = newContext();
    Subscriber sub = new Subscriber(subCtx, channel);
    Future.<Void>future(p -> subCtx.runOnContext(v -> sub.connect().onComplete(p))).await();
    // --snapshot-channels: one more raw-WebSocket client per aggregate channel (agg:<name>)
    List<SnapshotSubscriber> snaps = new ArrayList<>();
    for (String ch : o.snapshotChannels) {
      SnapshotSubscriber s = new SnapshotSubscriber(ch);
      Future.<Void>future(p -> subCtx.runOnContext(v -> s.connect().onComplete(p))).await();
      snaps.add(s);
    }

    HttpClient[] client = new HttpClient[1];
    Future.<Void>future(p -> pubCtx.runOnContext(v -> {
      client[0] = httpClient(o.rateConnections);
      p.complete();
    })).await();
    // open the connections before the clock starts (a steady publisher has them already):
    // rate-connections concurrent requests, so the pool holds that many keep-alive connections
    Future.<Void>future(p -> pubCtx.runOnContext(v -> {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < o.rateConnections; i++) {
        all.add(client[0].request(HttpMethod.GET, "/health/live")
            .compose(req -> req.send()).compose(resp -> resp.body()));
      }
      Future.all(all).<Void>mapEmpty().onComplete(p);
    })).await();
    // wait until the subscription is live: publish probes until one comes back
    long probeDeadline = System.nanoTime() + 10_000_000_000L;
    while (!sub.probeSeen) {
      if (System.nanoTime() > probeDeadline) {
        throw new IllegalStateException("the WebSocket subscriber never received a probe event; errors: " + sub.errors.toJson());
      }
      Future.<Integer>future(p -> pubCtx.runOnContext(v -> post(client[0], "/api/v1/channels/" + channel + "/events",
          "{\"type\":\"probe\",\"data\":{\"probe\":true}}").onComplete(p))).await();
      Thread.sleep(200);
    }

    OpenLoop loop = new OpenLoop(pubCtx, client, channel, rate);
    sub.timeline = new Timeline(loop.measureStart, loop.measureStart, loop.end, 1_000_000_000L);
    sub.measureStart = loop.measureStart;
    DiskProbe disk = new DiskProbe(Path.of(o.dataDir == null ? System.getProperty("java.io.tmpdir") : o.dataDir), loop.end);
    disk.start();
    pubCtx.runOnContext(v -> loop.start());
    sleepUntil(loop.measureStart);
    Map<String, Long> before = cpu.sample();
    JsonObject window = windowStart();
    // CPU second by second too, to tell a stall of Herald from a burst of the machine's other tenants
    List<JsonObject> cpuPerSecond = new ArrayList<>();
    Map<String, Long> last = before;
    for (long t = loop.measureStart + 1_000_000_000L; t <= loop.end; t += 1_000_000_000L) {
      sleepUntil(t);
      Map<String, Long> now = cpu.sample();
      cpuPerSecond.add(Cpu.diff(last, now, 1.0));
      last = now;
    }
    sleepUntil(loop.end);
    Map<String, Long> after = cpu.sample();
    windowEnd(window);
    JsonObject pub = loop.done.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    disk.finish();
    java.util.Set<Integer> quiet = new java.util.TreeSet<>();
    java.util.Set<Integer> undisturbed = new java.util.TreeSet<>();
    for (Object x : pub.getJsonArray("publish_per_second")) {
      JsonObject second = (JsonObject) x;
      int i = (int) Math.round(second.getDouble("s"));
      if (i >= 0 && i < cpuPerSecond.size()) {
        JsonObject c = cpuPerSecond.get(i);
        second.put("cpu_herald", c.getDouble("herald")).put("cpu_postgres", c.getDouble("postgres"))
            .put("cpu_generator", c.getDouble("generator")).put("cpu_everything_else", c.getDouble("everything_else"))
            .put("disk_fsync_max_ms", round(fsyncMax(disk, loop.measureStart, i) / 1e6, 1));
        if (c.getDouble("everything_else", 9.0) <= QUIET_CORES) {
          quiet.add(i);
          // a stall late in the second before still delays the events sent in this one
          if (disk.calmSecond(loop.measureStart + i * 1_000_000_000L)) {
            undisturbed.add(i);
          }
        }
      }
    }
    // The same latencies restricted to the seconds in which the rest of the machine left us alone:
    // on a shared box, what Herald itself does at this rate. (Labelled as such; not a replacement.)
    Hist quietPublish = loop.timeline.merged(quiet::contains);
    Hist quietDeliver = Future.<Hist>future(p -> subCtx.runOnContext(v -> p.complete(sub.timeline.merged(quiet::contains))))
        .await();
    pub.put("quiet_seconds", new JsonObject()
        .put("definition", "seconds of the window in which everything else on the machine used <= " + QUIET_CORES + " cores")
        .put("seconds", quiet.size())
        .put("publish_ms", quietPublish.summary())
        .put("deliver_ms", quietDeliver.summary()));
    pub.put("disk_probe", disk.toJson(loop.measureStart, loop.end));
    Hist calmPublish = loop.timeline.merged(undisturbed::contains);
    Hist calmDeliver = Future.<Hist>future(p -> subCtx.runOnContext(v -> p.complete(sub.timeline.merged(undisturbed::contains))))
        .await();
    pub.put("undisturbed_seconds", new JsonObject()
        .put("definition", "quiet seconds in which, in that second and the one before, no disk probe fsync took over "
            + DiskProbe.CALM_NANOS / 1_000_000 + " ms: what Herald does when neither the CPU nor the disk is taken from it")
        .put("seconds", undisturbed.size())
        .put("publish_ms", calmPublish.summary())
        .put("deliver_ms", calmDeliver.summary()));
    // give deliveries of the last events a moment to arrive
    long waitStart = System.nanoTime();
    long deadline = waitStart + (long) (Long.getLong("bench.deliverWaitMs", 3000) * 1e6);
    long expected = pub.getLong("ok_in_window");
    long lastLog = waitStart;
    while (System.nanoTime() < deadline) {
      long got = Future.<Long>future(p -> subCtx.runOnContext(v -> p.complete(sub.deliveredInWindow))).await();
      if (got >= expected) {
        break;
      }
      if (System.nanoTime() - lastLog > 1_000_000_000L) {
        lastLog = System.nanoTime();
        log("  waiting for deliveries: " + got + "/" + expected);
      }
      Thread.sleep(50);
    }
    JsonObject delivered = Future.<JsonObject>future(p -> subCtx.runOnContext(v -> p.complete(sub.result()))).await();
    if (!snaps.isEmpty()) {
      Thread.sleep(500); // the coalesced last snapshot goes out at most one interval after the last commit
      JsonArray snapResults = new JsonArray();
      for (SnapshotSubscriber s : snaps) {
        snapResults.add(Future.<JsonObject>future(p -> subCtx.runOnContext(v -> {
          JsonObject r = s.result(loop.measureStart, loop.end);
          s.close();
          p.complete(r);
        })).await());
      }
      pub.put("snapshots", snapResults);
      for (Object x : snapResults) {
        JsonObject r = (JsonObject) x;
        log("  snapshots " + r.getString("channel") + ": " + r.getLong("snapshots_in_window") + " in window ("
            + r.getDouble("snapshots_per_s") + "/s), latency " + r.getJsonObject("latency_from_newest_send_ms").encode());
      }
    }
    subCtx.runOnContext(v -> sub.close());
    pubCtx.runOnContext(v -> client[0].close());
    pub.put("name", name).put("channel", channel).put("subscribers", 1)
        .put("cpu_cores_used", Cpu.diff(before, after, (loop.end - loop.measureStart) / 1e9))
        .put("window", window)
        .put("deliver", delivered)
        .put("deliver_missing", Math.max(0, expected - delivered.getLong("delivered_in_window")));
    log("  publish " + pub.getJsonObject("publish_ms").encode());
    log("  deliver " + delivered.getJsonObject("deliver_ms").encode() + " delivered " + delivered.getLong("delivered_in_window")
        + "/" + expected);
    return pub;
  }

  final class OpenLoop {
    final Context ctx;
    final HttpClient[] client;
    final String path;
    final double rate;
    final long t0;
    final long measureStart;
    final long end;
    final long total;
    final Promise<JsonObject> done = Promise.promise();
    final Hist publish = new Hist();
    final Hist publishFromActual = new Hist();
    final Hist sendLag = new Hist();
    final Errors errors = new Errors();
    final Timeline timeline;
    long sent;
    long skipped;
    long skippedInWarmup;
    long inFlight;
    long maxInFlight;
    long okTotal;
    long okInWindow;
    long timer;

    OpenLoop(Context ctx, HttpClient[] client, String channel, double rate) {
      this.ctx = ctx;
      this.client = client;
      this.path = "/api/v1/channels/" + channel + "/events";
      this.rate = rate;
      this.t0 = System.nanoTime() + 100_000_000L;
      this.measureStart = t0 + (long) (o.rateWarmupS * 1e9);
      this.end = measureStart + (long) (o.rateDurationS * 1e9);
      this.total = (long) (rate * (end - t0) / 1e9);
      this.timeline = new Timeline(t0, measureStart, end, 1_000_000_000L);
    }

    void start() {
      timer = vertx.setPeriodic(Math.max(1, (t0 - System.nanoTime()) / 1_000_000), 1, t -> tick());
    }

    private void tick() {
      long now = System.nanoTime();
      long due = Math.min(total, (long) ((now - t0) * rate / 1e9));
      while (sent < due) {
        long scheduled = t0 + (long) (sent * 1e9 / rate);
        sent++;
        if (inFlight >= o.maxInFlight) {
          // the server is this far behind: do not queue without bound
          if (scheduled >= measureStart) {
            skipped++;
          } else {
            skippedInWarmup++;
          }
          continue;
        }
        fire(scheduled);
      }
      if (sent >= total) {
        vertx.cancelTimer(timer);
        maybeDone();
      }
    }

    private void fire(long scheduled) {
      long actual = System.nanoTime();
      boolean inWindow = scheduled >= measureStart && scheduled < end;
      if (inWindow) {
        sendLag.add(actual - scheduled);
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      post(client[0], path, body("lat", scheduled, actual)).onComplete(ar -> {
        long now = System.nanoTime();
        inFlight--;
        if (ar.succeeded() && ar.result() == 201) {
          okTotal++;
          timeline.add(scheduled, now - scheduled);
          if (inWindow) {
            okInWindow++;
            publish.add(now - scheduled);
            publishFromActual.add(now - actual);
          }
        } else {
          errors.add(ar);
        }
        maybeDone();
      });
    }

    private void maybeDone() {
      if (sent >= total && inFlight == 0 && !done.future().isComplete()) {
        double seconds = (end - measureStart) / 1e9;
        done.complete(new JsonObject()
            .put("offered_rate", rate)
            .put("warmup_s", round((measureStart - t0) / 1e9, 2))
            .put("duration_s", round(seconds, 2))
            .put("scheduled_total", total)
            .put("skipped_over_max_in_flight", skipped)
            .put("skipped_over_max_in_flight_in_warmup", skippedInWarmup)
            .put("max_in_flight_seen", maxInFlight)
            .put("ok_total", okTotal)
            .put("ok_in_window", okInWindow)
            .put("achieved_events_per_s", round(okInWindow / seconds, 0))
            .put("publish_ms", publish.summary())
            .put("publish_from_actual_send_ms", publishFromActual.summary())
            .put("send_lag_ms", sendLag.summary())
            .put("publish_per_second", timeline.toJson())
            .put("errors", errors.toJson()));
      }
    }
  }

  /** A raw bridge WebSocket registered on one channel; subclasses read its frames. */
  abstract class RawSubscriber {
    final String channel;
    final Errors errors = new Errors();
    WebSocketClient client;
    WebSocket ws;
    long frames;

    RawSubscriber(String channel) {
      this.channel = channel;
    }

    abstract void onText(String text);

    Future<Void> connect() {
      client = vertx.createWebSocketClient();
      return subscribe(client, channel, this::onText, errors).map(socket -> {
        ws = socket;
        return null;
      });
    }

    void close() {
      if (ws != null) {
        ws.close();
      }
      client.close();
    }
  }

  /** One raw-WebSocket bridge client subscribed to one channel; runs on its own event loop. */
  final class Subscriber extends RawSubscriber {
    final Context ctx;
    final Hist deliver = new Hist();
    final Hist deliverFromActual = new Hist();
    Timeline timeline; // set with measureStart
    volatile boolean probeSeen;
    volatile long measureStart = Long.MAX_VALUE;
    long lastSeq = -1;
    long deliveredInWindow;
    long gaps;
    long duplicates;

    Subscriber(Context ctx, String channel) {
      super(channel);
      this.ctx = ctx;
    }

    @Override
    void onText(String text) {
      long now = System.nanoTime();
      frames++;
      // Fast path without a JSON parser (this runs 5,000 times a second on a shared 2-core box):
      // Herald's frame is {"type":"rec","address":..,"body":{"channel":..,"seq":N,..,"data":{"t":..,"a":..},..}}
      int seqAt = text.startsWith("{\"type\":\"rec\"") ? text.indexOf("\"seq\":") : -1;
      int dataAt = seqAt < 0 ? -1 : text.indexOf("\"data\":{", seqAt);
      long seq;
      long scheduled = -1;
      long actual = -1;
      boolean probe;
      if (dataAt > 0 && text.startsWith("\"address\":\"" + channel + "\"", 14)) {
        seq = numberAt(text, seqAt + 6);
        probe = text.startsWith("\"probe\"", dataAt + 8);
        if (!probe) {
          scheduled = numberAt(text, text.indexOf("\"t\":", dataAt) + 4);
          actual = numberAt(text, text.indexOf("\"a\":", dataAt) + 4);
        }
      } else {
        JsonObject frame = new JsonObject(text);
        if (!"rec".equals(frame.getString("type")) || !channel.equals(frame.getString("address"))) {
          errors.add("frame " + frame.getString("type") + ": " + frame.getString("message"));
          return;
        }
        JsonObject body = frame.getJsonObject("body");
        JsonObject data = body.getJsonObject("data");
        seq = body.getLong("seq");
        probe = data.containsKey("probe");
        if (!probe) {
          scheduled = data.getLong("t");
          actual = data.getLong("a");
        }
      }
      if (lastSeq >= 0 && seq != lastSeq + 1) {
        if (seq <= lastSeq) {
          duplicates++;
        } else {
          gaps++;
        }
      }
      lastSeq = Math.max(lastSeq, seq);
      if (probe) {
        probeSeen = true;
        return;
      }
      if (scheduled >= measureStart) {
        deliveredInWindow++;
        deliver.add(now - scheduled);
        if (timeline != null) {
          timeline.add(scheduled, now - scheduled);
        }
        deliverFromActual.add(now - actual);
      }
    }

    /** The (possibly negative) integer that starts at index i. */
    private static long numberAt(String s, int i) {
      boolean negative = s.charAt(i) == '-';
      if (negative) {
        i++;
      }
      long v = 0;
      char c;
      while (i < s.length() && (c = s.charAt(i)) >= '0' && c <= '9') {
        v = v * 10 + (c - '0');
        i++;
      }
      return negative ? -v : v;
    }

    JsonObject result() {
      return new JsonObject()
          .put("frames", frames)
          .put("delivered_in_window", deliveredInWindow)
          .put("seq_gaps", gaps)
          .put("seq_duplicates_or_reordered", duplicates)
          .put("deliver_ms", deliver.summary())
          .put("deliver_from_actual_send_ms", deliverFromActual.summary())
          .put("errors", errors.toJson());
    }

  }

  /**
   * A raw-WebSocket subscriber of an aggregate's snapshot channel. Each snapshot carries
   * {@code values.newest} = max(data.a) over the events it reflects: the actual send time
   * (System.nanoTime() of this JVM) of the newest event in it. Latency = arrival - that.
   */
  final class SnapshotSubscriber extends RawSubscriber {
    final List<long[]> arrivals = new ArrayList<>(); // {arrival, newest a, version, lastEvent a, envelope ts (ms)}

    SnapshotSubscriber(String channel) {
      super(channel);
    }

    @Override
    void onText(String text) {
      long now = System.nanoTime();
      frames++;
      JsonObject frame = new JsonObject(text);
      if (!"rec".equals(frame.getString("type")) || !channel.equals(frame.getString("address"))) {
        errors.add("frame " + frame.getString("type") + ": " + frame.getString("message"));
        return;
      }
      JsonObject body = frame.getJsonObject("body");
      JsonObject data = body.getJsonObject("data");
      if (!"aggregate.snapshot".equals(body.getString("type")) || data == null) {
        errors.add("not a snapshot: " + body.getString("type"));
        return;
      }
      JsonObject values = data.getJsonObject("values", new JsonObject());
      Object newest = values.getValue("newest");
      JsonObject lastEvent = data.getJsonObject("lastEvent");
      Object lastA = lastEvent == null || lastEvent.getJsonObject("data") == null ? null
          : lastEvent.getJsonObject("data").getValue("a");
      long sentAt = body.getString("ts") == null ? Long.MIN_VALUE : Instant.parse(body.getString("ts")).toEpochMilli();
      arrivals.add(new long[] {now, newest instanceof Number n ? n.longValue() : Long.MIN_VALUE,
          data.getLong("version", -1L), lastA instanceof Number m ? m.longValue() : Long.MIN_VALUE, sentAt});
    }

    /** Snapshots whose newest event was sent inside [start, end): latency, rate, spacing, versions per snapshot. */
    JsonObject result(long start, long end) {
      Hist latency = new Hist();
      Hist fromLastEvent = new Hist();
      Hist gaps = new Hist();
      long count = 0;
      long prevArrival = -1;
      long minGap = Long.MAX_VALUE;
      Hist sentGaps = new Hist();
      long prevSent = Long.MIN_VALUE;
      long minSentGap = Long.MAX_VALUE;
      long firstVersion = -1;
      long lastVersion = -1;
      long versionsNotIncreasing = 0;
      long prevVersion = -1;
      for (long[] x : arrivals) {
        if (prevVersion >= 0 && x[2] <= prevVersion) {
          versionsNotIncreasing++;
        }
        prevVersion = x[2];
        if (x[1] < start || x[1] >= end) {
          continue;
        }
        count++;
        latency.add(x[0] - x[1]);
        if (x[3] != Long.MIN_VALUE) {
          fromLastEvent.add(x[0] - x[3]);
        }
        if (prevArrival >= 0) {
          gaps.add(x[0] - prevArrival);
          minGap = Math.min(minGap, x[0] - prevArrival);
        }
        prevArrival = x[0];
        if (prevSent != Long.MIN_VALUE && x[4] != Long.MIN_VALUE) {
          sentGaps.add((x[4] - prevSent) * 1_000_000L);
          minSentGap = Math.min(minSentGap, x[4] - prevSent);
        }
        prevSent = x[4];
        if (firstVersion < 0) {
          firstVersion = x[2];
        }
        lastVersion = x[2];
      }
      double seconds = (end - start) / 1e9;
      return new JsonObject()
          .put("channel", channel)
          .put("frames_total", frames)
          .put("snapshots_in_window", count)
          .put("snapshots_per_s", round(count / seconds, 2))
          .put("latency_from_newest_send_ms", latency.summary())
          .put("latency_from_last_event_send_ms", fromLastEvent.summary())
          .put("spacing_ms", gaps.summary().put("min", minGap == Long.MAX_VALUE ? null : round(minGap / 1e6, 3)))
          // the same from the envelope's ts (Herald's clock when it sent the snapshot, ms): no network jitter
          .put("spacing_by_server_ts_ms", sentGaps.summary().put("min", minSentGap == Long.MAX_VALUE ? null : minSentGap))
          .put("versions_per_snapshot", count > 1 ? round((lastVersion - firstVersion) / (double) (count - 1), 2) : null)
          .put("versions_not_increasing", versionsNotIncreasing)
          .put("errors", errors.toJson());
    }

  }

  // ------------------------------------------------------------------ helpers

  /** A fresh event-loop context (round-robin over the event loops); getOrCreateContext() would be sticky to main. */
  Context newContext() {
    Promise<Context> ctx = Promise.promise();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        ctx.complete(context);
        return Future.succeededFuture();
      }
    }).await();
    return ctx.future().await();
  }

  HttpClient httpClient(int connections) {
    return vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost(o.host).setDefaultPort(o.port).setKeepAlive(true).setPipelining(false),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
  }

  /**
   * An event's JSON. {@code t}/{@code a}: scheduled and actual send time (System.nanoTime()). With
   * {@code --payload agg} the data also carries what aggregates fold (derived from t, so the same
   * settings give the same mix): an amount 1..100, one of 1,000 users, one of 8 regions.
   */
  String body(String type, long t, long a) {
    if (!"agg".equals(o.payload)) {
      return "{\"type\":\"" + type + "\",\"data\":{\"t\":" + t + ",\"a\":" + a + "}}";
    }
    long k = Math.abs(t / 1000);
    return "{\"type\":\"" + type + "\",\"data\":{\"t\":" + t + ",\"a\":" + a + ",\"amount\":" + (1 + k % 100)
        + ",\"user\":\"u" + (k / 7 % 1000) + "\",\"region\":\"r" + (k / 11 % 8) + "\"}}";
  }

  Future<Integer> post(HttpClient client, String path, String json) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
            .putHeader("X-Api-Key", o.apiKey).putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(Buffer.buffer(json)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  /** The channel's head seq as Herald reports it (= events committed to it, for a fresh channel). */
  long head(String channel) {
    HttpClient client = vertx.createHttpClient();
    try {
      return client.request(new RequestOptions().setHost(o.host).setPort(o.port).setMethod(HttpMethod.GET)
              .setURI("/api/v1/channels/" + channel + "/events?since=9223372036854775000&limit=1")
              .putHeader("X-Api-Key", o.apiKey))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> {
            if (resp.statusCode() != 200) {
              throw new IllegalStateException("history of " + channel + ": HTTP " + resp.statusCode() + " " + b);
            }
            return b.toJsonObject().getLong("lastSeq");
          }))
          .await();
    } finally {
      client.close();
    }
  }

  Pool pgPool(int size) {
    return PgBuilder.pool()
        .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(size))
        .connectingTo(new PgConnectOptions().setHost(o.host).setPort(o.pgPort)
            .setUser("postgres").setPassword("postgres").setDatabase("postgres"))
        .using(vertx)
        .build();
  }

  /** Wall-clock window, and Herald's uptime: its history retention pass runs once a minute after start. */
  JsonObject windowStart() {
    JsonObject w = new JsonObject().put("start_utc", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
    if (heraldStart != null) {
      w.put("herald_uptime_start_s", round((System.currentTimeMillis() - heraldStart.toEpochMilli()) / 1000.0, 1));
    }
    return w;
  }

  void windowEnd(JsonObject w) {
    w.put("end_utc", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
    if (heraldStart != null) {
      w.put("herald_uptime_end_s", round((System.currentTimeMillis() - heraldStart.toEpochMilli()) / 1000.0, 1));
    }
  }

  /** When PostgreSQL's autovacuum last ran over Herald's tables (compare with the phase windows). */
  JsonObject pgMaintenance() {
    JsonObject j = new JsonObject();
    try {
      for (Row r : stats.query("SELECT relname, autovacuum_count, autoanalyze_count, last_autovacuum, last_autoanalyze "
          + "FROM pg_stat_user_tables WHERE relname IN ('events', 'channels') ORDER BY relname").execute()
          .await(5, TimeUnit.SECONDS)) {
        j.put(r.getString(0), new JsonObject()
            .put("autovacuum_count", r.getLong(1)).put("autoanalyze_count", r.getLong(2))
            .put("last_autovacuum", String.valueOf(r.getValue(3))).put("last_autoanalyze", String.valueOf(r.getValue(4))));
      }
    } catch (Exception e) {
      j.put("error", e.toString());
    }
    return j;
  }

  JsonObject pgSettings(Pool pg) {
    JsonObject settings = new JsonObject();
    for (Row r : pg.query("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', "
        + "'wal_sync_method', 'commit_delay', 'full_page_writes', 'shared_buffers', 'max_connections') ORDER BY name")
        .execute().await()) {
      settings.put(r.getString(0), r.getString(1));
    }
    settings.put("version", pg.query("SHOW server_version").execute().await().iterator().next().getString(0));
    return settings;
  }

  @SuppressWarnings("unchecked")
  JsonObject summary(JsonArray throughput, JsonObject rate, JsonArray peers) {
    JsonObject s = new JsonObject();
    for (Object t : throughput) {
      JsonObject j = (JsonObject) t;
      s.put(j.getString("name") + "_events_per_s", j.getDouble("events_per_s"));
    }
    JsonObject pub = rate == null ? new JsonObject() : rate.getJsonObject("publish_ms");
    JsonObject del = rate == null ? new JsonObject() : rate.getJsonObject("deliver").getJsonObject("deliver_ms");
    if (rate != null) {
      s.put("at_rate_offered", rate.getDouble("offered_rate"))
        .put("at_rate_achieved", rate.getDouble("achieved_events_per_s"))
        .put("publish_p50_ms", pub.getDouble("p50")).put("publish_p99_ms", pub.getDouble("p99"))
        .put("publish_max_ms", pub.getDouble("max"))
        .put("deliver_p50_ms", del.getDouble("p50")).put("deliver_p99_ms", del.getDouble("p99"))
        .put("deliver_max_ms", del.getDouble("max"));
      JsonArray snaps = rate.getJsonArray("snapshots");
      if (snaps != null) {
        for (Object x : snaps) {
          JsonObject r = (JsonObject) x;
          JsonObject l = r.getJsonObject("latency_from_newest_send_ms");
          String key = "snapshot_" + r.getString("channel").replace(':', '_');
          s.put(key + "_per_s", r.getDouble("snapshots_per_s"))
              .put(key + "_latency_p50_ms", l.getDouble("p50")).put(key + "_latency_p99_ms", l.getDouble("p99"))
              .put(key + "_latency_max_ms", l.getDouble("max"));
        }
      }
      JsonObject q = rate.getJsonObject("quiet_seconds");
      if (q != null && q.getInteger("seconds") > 0) {
        s.put("quiet_seconds", q.getInteger("seconds"))
            .put("quiet_publish_p50_ms", q.getJsonObject("publish_ms").getDouble("p50"))
            .put("quiet_publish_p99_ms", q.getJsonObject("publish_ms").getDouble("p99"))
            .put("quiet_deliver_p50_ms", q.getJsonObject("deliver_ms").getDouble("p50"))
            .put("quiet_deliver_p99_ms", q.getJsonObject("deliver_ms").getDouble("p99"));
      }
      JsonObject d = rate.getJsonObject("disk_probe");
      s.put("disk_fsync_p99_ms", d.getJsonObject("fsync_ms").getDouble("p99"))
          .put("disk_fsync_max_ms", d.getJsonObject("fsync_ms").getDouble("max"))
          .put("disk_stalls_over_50ms", d.getJsonArray("stalls_over_50ms").size());
      JsonObject u = rate.getJsonObject("undisturbed_seconds");
      if (u.getInteger("seconds") > 0) {
        s.put("undisturbed_seconds", u.getInteger("seconds"))
            .put("undisturbed_publish_p99_ms", u.getJsonObject("publish_ms").getDouble("p99"))
            .put("undisturbed_deliver_p99_ms", u.getJsonObject("deliver_ms").getDouble("p99"));
      }
    }
    for (Object p : peers) {
      JsonObject j = (JsonObject) p;
      s.put(j.getString("name") + "_events_per_s", j.getDouble("events_per_s"));
    }
    double best = 0; // one event per request (issue #3's target)
    double bestAny = 0; // batches too (issue #6's durable-publish goal)
    boolean allVerified = true;
    for (Object t : throughput) {
      JsonObject j = (JsonObject) t;
      if ("herald-rest".equals(j.getString("kind"))) {
        best = Math.max(best, j.getDouble("events_per_s"));
      }
      bestAny = Math.max(bestAny, j.getDouble("events_per_s"));
      allVerified &= j.getBoolean("verified");
    }
    for (Object p : peers) {
      allVerified &= ((JsonObject) p).getBoolean("verified");
    }
    s.put("counts_verified_against_server", allVerified);
    // how much of the machine something other than Herald, PostgreSQL and this generator used
    JsonObject others = new JsonObject();
    List<Object> all = new ArrayList<>(throughput.getList());
    if (rate != null) {
      all.add(rate);
    }
    all.addAll(peers.getList());
    for (Object x : all) {
      JsonObject j = x instanceof JsonObject jo ? jo : new JsonObject((Map<String, Object>) x);
      JsonObject c = j.getJsonObject("cpu_cores_used");
      if (c != null && c.containsKey("everything_else")) {
        others.put(j.getString("name"), c.getDouble("everything_else"));
      }
    }
    s.put("cpu_cores_used_by_everything_else", others);
    s.put("target_20k_events_per_s_met", best >= 20_000);
    s.put("goal_50k_events_per_s_met", bestAny >= 50_000);
    s.put("target_p99_under_20ms_at_5k_met", rate != null && rate.getDouble("offered_rate") >= 5000
        && rate.getLong("skipped_over_max_in_flight") == 0 && pub.getDouble("p99") < 20 && del.getDouble("p99") < 20);
    return s;
  }

  /** Opens a raw bridge WebSocket to Herald and registers it on the channel. */
  Future<WebSocket> subscribe(WebSocketClient client, String channel, java.util.function.Consumer<String> onText, Errors errors) {
    return client.connect(o.port, o.host, "/eventbus/websocket").compose(socket -> {
      socket.handler(buf -> onText.accept(buf.toString()));
      socket.exceptionHandler(err -> errors.add(err));
      return socket.writeTextMessage(new JsonObject().put("type", "register").put("address", channel).encode()).map(socket);
    });
  }

  /** Longest disk probe fsync that started in second s of the window starting at origin. */
  static long fsyncMax(DiskProbe disk, long origin, int s) {
    return disk.maxBetween(origin + s * 1_000_000_000L, origin + (s + 1) * 1_000_000_000L);
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000), 0);
    }
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static void log(String s) {
    System.err.println("[bench " + java.time.LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + s);
  }

  // ------------------------------------------------------------------ small pieces

  /** All samples kept (a run has at most a few hundred thousand), nanoseconds in, milliseconds out. */
  static final class Hist {
    long[] v = new long[1 << 14];
    int n;

    void add(long nanos) {
      if (n == v.length) {
        v = Arrays.copyOf(v, n * 2);
      }
      v[n++] = nanos;
    }

    JsonObject summary() {
      JsonObject j = new JsonObject().put("count", n);
      if (n == 0) {
        return j;
      }
      long[] s = Arrays.copyOf(v, n);
      Arrays.sort(s);
      double sum = 0;
      for (long x : s) {
        sum += x;
      }
      return j.put("p50", ms(pct(s, 50))).put("p90", ms(pct(s, 90))).put("p99", ms(pct(s, 99)))
          .put("p999", ms(pct(s, 99.9))).put("max", ms(s[n - 1])).put("mean", round(sum / n / 1e6, 3));
    }

    private static long pct(long[] sorted, double p) {
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long nanos) {
      return round(nanos / 1e6, 3);
    }
  }

  /** Per time bucket (by scheduled send time; s < 0 is the warm-up): how many succeeded, their worst latency. */
  static final class Timeline {
    final long start;
    final long origin;
    final long bucket;
    final long[] count;
    final long[] max;
    final Hist[] samples;

    Timeline(long start, long origin, long end, long bucket) {
      this.start = start;
      this.origin = origin;
      this.bucket = bucket;
      int n = (int) Math.max(1, (end - start + bucket - 1) / bucket);
      this.count = new long[n];
      this.max = new long[n];
      this.samples = new Hist[n];
    }

    void add(long at, long nanos) {
      int i = (int) ((at - start) / bucket);
      if (i >= 0 && i < count.length) {
        count[i]++;
        max[i] = Math.max(max[i], nanos);
        if (samples[i] == null) {
          samples[i] = new Hist();
        }
        samples[i].add(nanos);
      }
    }

    /** All samples of the buckets whose second (counted from the origin) passes the test. */
    Hist merged(java.util.function.IntPredicate second) {
      Hist h = new Hist();
      for (int i = 0; i < count.length; i++) {
        long s = Math.round((start - origin + i * bucket) / 1e9);
        if (s >= 0 && samples[i] != null && second.test((int) s)) {
          for (int k = 0; k < samples[i].n; k++) {
            h.add(samples[i].v[k]);
          }
        }
      }
      return h;
    }

    JsonArray toJson() {
      JsonArray a = new JsonArray();
      for (int i = 0; i < count.length; i++) {
        a.add(new JsonObject().put("s", round((start - origin + i * bucket) / 1e9, 2)).put("count", count[i])
            .put("max_ms", round(max[i] / 1e6, 1)));
      }
      return a;
    }
  }

  static final class Errors {
    final Map<String, Long> counts = new TreeMap<>();
    long total;

    void add(io.vertx.core.AsyncResult<Integer> ar) {
      add(ar.succeeded() ? "http_" + ar.result() : describe(ar.cause()));
    }

    void add(Throwable t) {
      add(describe(t));
    }

    void add(String what) {
      total++;
      if (counts.size() < 20 || counts.containsKey(what)) {
        counts.merge(what, 1L, Long::sum);
      } else {
        counts.merge("other", 1L, Long::sum);
      }
    }

    static String describe(Throwable t) {
      String m = String.valueOf(t.getMessage());
      return t.getClass().getSimpleName() + ": " + (m.length() > 120 ? m.substring(0, 120) : m);
    }

    JsonObject toJson() {
      JsonObject j = new JsonObject().put("total", total);
      counts.forEach(j::put);
      return j;
    }
  }

  /** CPU time (in clock ticks) of this process, Herald's JVM, PostgreSQL (postmaster + backends) and the machine. */
  static final class Cpu {
    static final double TICKS_PER_S = 100.0; // USER_HZ on Linux
    final long heraldPid;
    final long pgPid;

    Cpu(long heraldPid, long pgPid) {
      this.heraldPid = heraldPid;
      this.pgPid = pgPid;
    }

    Map<String, Long> sample() {
      Map<String, Long> m = new LinkedHashMap<>();
      try {
        m.put("generator", ticks(ProcessHandle.current().pid()));
        if (heraldPid > 0) {
          m.put("herald", ticks(heraldPid));
        }
        if (pgPid > 0) {
          // per process: backends and autovacuum workers come and go during a window
          m.put("pg:" + pgPid, ticks(pgPid));
          try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) dirs::iterator) {
              String name = p.getFileName().toString();
              if (name.chars().allMatch(Character::isDigit)) {
                long[] st = stat(Long.parseLong(name));
                if (st != null && st[0] == pgPid) {
                  m.put("pg:" + name, st[1]);
                }
              }
            }
          }
        }
        String[] cpuLine = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(cpuLine.length, 9); i++) {
          total += Long.parseLong(cpuLine[i]);
        }
        long idle = Long.parseLong(cpuLine[4]) + Long.parseLong(cpuLine[5]);
        m.put("machine_busy", total - idle);
        m.put("machine_iowait", Long.parseLong(cpuLine[5]));
        m.put("machine_softirq", Long.parseLong(cpuLine[7])); // network stack work, loopback included
        m.put("machine_steal", Long.parseLong(cpuLine[8]));   // taken by the hypervisor for other guests
      } catch (IOException | RuntimeException e) {
        // not Linux, or a process went away: report what we have
      }
      return m;
    }

    private static long ticks(long pid) {
      long[] st = stat(pid);
      return st == null ? 0 : st[1];
    }

    /** {ppid, utime+stime} from /proc/pid/stat, or null. */
    private static long[] stat(long pid) {
      try {
        String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // after the command: state(0) ppid(1) ... utime(11) stime(12)
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]) + Long.parseLong(f[12])};
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    static JsonObject diff(Map<String, Long> a, Map<String, Long> b, double seconds) {
      JsonObject j = new JsonObject();
      double ours = 0;
      // PostgreSQL: the processes alive at the end, counting those started meanwhile from zero
      // (a process that exited meanwhile is missed: an undercount, never a negative)
      long pgTicks = 0;
      boolean pg = false;
      for (Map.Entry<String, Long> e : b.entrySet()) {
        if (e.getKey().startsWith("pg:")) {
          pg = true;
          pgTicks += Math.max(0, e.getValue() - a.getOrDefault(e.getKey(), 0L));
        }
      }
      if (pg) {
        double cores = pgTicks / TICKS_PER_S / seconds;
        j.put("postgres", round(cores, 2));
        ours += cores;
      }
      for (Map.Entry<String, Long> e : b.entrySet()) {
        if (!e.getKey().startsWith("pg:") && a.containsKey(e.getKey())) {
          double cores = (e.getValue() - a.get(e.getKey())) / TICKS_PER_S / seconds;
          j.put(e.getKey(), round(cores, 2));
          if (List.of("generator", "herald").contains(e.getKey())) {
            ours += cores;
          }
        }
      }
      if (j.containsKey("machine_busy")) {
        // what the rest of the machine used meanwhile: other processes (other tenants), the kernel's
        // softirq work (partly our own loopback traffic) and hypervisor steal
        j.put("everything_else", round(Math.max(0, j.getDouble("machine_busy") - ours), 2));
      }
      return j;
    }
  }

  static final class Machine {
    static JsonObject info(String dataDir) {
      JsonObject j = new JsonObject()
          .put("cores", Runtime.getRuntime().availableProcessors())
          .put("cpu_model", cpuModel())
          .put("memory_mb", memoryMb())
          .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
          .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
          .put("load_average_start", loadAverage())
          .put("shared", "other workloads may run on the same cores; see load averages");
      if (dataDir != null) {
        try {
          j.put("data_dir_filesystem", Files.getFileStore(Path.of(dataDir)).type());
        } catch (IOException e) {
          j.put("data_dir_filesystem", "unknown");
        }
      }
      return j;
    }

    static String cpuModel() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim();
          }
        }
      } catch (IOException e) {
        // fall through
      }
      return "unknown";
    }

    static long memoryMb() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
          if (line.startsWith("MemTotal:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        // fall through
      }
      return -1;
    }

    static String loadAverage() {
      try {
        return Files.readString(Path.of("/proc/loadavg")).trim();
      } catch (IOException e) {
        return "unknown";
      }
    }
  }

  static final class Opts {
    String host = "127.0.0.1";
    int port = 8080;
    String apiKey = "k1";
    String dataDir;
    int pgPort;
    long pgPid;
    long heraldPid;
    String out;
    String label = "";
    double jitWarmupS = 20;
    long jitWarmupEvents = 60_000;
    double warmupS = 3;
    double durationS = 10;
    int concurrency = 128;
    int manyChannels = 100;
    double rate = 5000;
    double rateWarmupS = 5;
    double rateDurationS = 30;
    int rateConnections = 64;
    int maxInFlight = 1000;
    double peerWarmupS = 2;
    double peerDurationS = 5;
    int peerConnections = 64;
    List<String> phases = List.of("one", "many", "batch", "rate", "serial", "naive");
    int batchSize = 50;
    int batchConcurrency = 16;
    String payload = "plain";
    List<String> snapshotChannels = List.of();

    static Opts parse(String[] args) throws IOException {
      Opts o = new Opts();
      Map<String, String> a = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        if (k.startsWith("--") && i + 1 < args.length) {
          a.put(k.substring(2), args[++i]);
        } else {
          usage("unexpected argument " + k);
        }
      }
      for (String k : a.keySet()) {
        if (!List.of("url", "api-key", "data-dir", "pg-port", "herald-pid", "out", "label", "warmup", "duration",
            "concurrency", "channels", "rate", "rate-warmup", "rate-duration", "rate-connections", "max-in-flight",
            "peer-warmup", "peer-duration", "peer-connections", "phases", "batch-size", "batch-concurrency", "jit-warmup", "jit-warmup-events", "payload", "snapshot-channels").contains(k)) {
          usage("unknown option --" + k);
        }
      }
      URI url = URI.create(a.getOrDefault("url", "http://127.0.0.1:8080"));
      o.host = url.getHost();
      o.port = url.getPort() > 0 ? url.getPort() : 80;
      if (!List.of("127.0.0.1", "localhost", "[::1]", "::1").contains(o.host)) {
        usage("this benchmark only targets the local machine (127.0.0.1), not " + o.host);
      }
      o.apiKey = a.getOrDefault("api-key", o.apiKey);
      o.dataDir = a.get("data-dir");
      o.out = a.get("out");
      o.label = a.getOrDefault("label", "");
      o.heraldPid = Long.parseLong(a.getOrDefault("herald-pid", "0"));
      o.jitWarmupS = Double.parseDouble(a.getOrDefault("jit-warmup", "" + o.jitWarmupS));
      o.jitWarmupEvents = Long.parseLong(a.getOrDefault("jit-warmup-events", "" + o.jitWarmupEvents));
      o.warmupS = Double.parseDouble(a.getOrDefault("warmup", "" + o.warmupS));
      o.durationS = Double.parseDouble(a.getOrDefault("duration", "" + o.durationS));
      o.concurrency = Integer.parseInt(a.getOrDefault("concurrency", "" + o.concurrency));
      o.manyChannels = Integer.parseInt(a.getOrDefault("channels", "" + o.manyChannels));
      o.rate = Double.parseDouble(a.getOrDefault("rate", "" + o.rate));
      o.rateWarmupS = Double.parseDouble(a.getOrDefault("rate-warmup", "" + o.rateWarmupS));
      o.rateDurationS = Double.parseDouble(a.getOrDefault("rate-duration", "" + o.rateDurationS));
      o.rateConnections = Integer.parseInt(a.getOrDefault("rate-connections", "" + o.rateConnections));
      o.maxInFlight = Integer.parseInt(a.getOrDefault("max-in-flight", "" + o.maxInFlight));
      o.peerWarmupS = Double.parseDouble(a.getOrDefault("peer-warmup", "" + o.peerWarmupS));
      o.peerDurationS = Double.parseDouble(a.getOrDefault("peer-duration", "" + o.peerDurationS));
      o.peerConnections = Integer.parseInt(a.getOrDefault("peer-connections", "" + o.peerConnections));
      o.batchSize = Integer.parseInt(a.getOrDefault("batch-size", "" + o.batchSize));
      o.batchConcurrency = Integer.parseInt(a.getOrDefault("batch-concurrency", "" + o.batchConcurrency));
      if (o.concurrency < 1 || o.concurrency > 1024 || o.peerConnections < 1 || o.peerConnections > 150
          || o.jitWarmupS < 0 || o.jitWarmupS > 60 || o.durationS <= 0 || o.durationS > 60 || o.rateDurationS <= 0 || o.rateDurationS > 60 || o.rate <= 0
          || o.rate > 100_000 || o.manyChannels < 1 || o.manyChannels > 10_000
          || o.batchSize < 1 || o.batchSize > 1000 || o.batchConcurrency < 1 || o.batchConcurrency > 256) {
        usage("an option is out of its bounded range (concurrency 1..1024, peer-connections 1..150, durations <= 60 s, "
            + "batch-size 1..1000, batch-concurrency 1..256)");
      }
      if (a.containsKey("phases")) {
        o.phases = List.of(a.get("phases").split(","));
        if (!List.of("one", "many", "batch", "rate", "serial", "naive").containsAll(o.phases)) {
          usage("--phases takes a comma-separated list of one, many, batch, rate, serial, naive");
        }
      }
      o.payload = a.getOrDefault("payload", o.payload);
      if (!List.of("plain", "agg").contains(o.payload)) {
        usage("--payload is plain or agg");
      }
      if (a.containsKey("snapshot-channels")) {
        o.snapshotChannels = List.of(a.get("snapshot-channels").split(","));
        if (o.snapshotChannels.size() > 10) {
          usage("--snapshot-channels: at most 10");
        }
      }
      o.pgPort = Integer.parseInt(a.getOrDefault("pg-port", "0"));
      if (o.dataDir != null) {
        // PostgreSQL's postmaster.pid: line 1 pid, line 4 port
        Path pid = Path.of(o.dataDir, "pg", "postmaster.pid");
        if (Files.isRegularFile(pid)) {
          List<String> lines = Files.readAllLines(pid);
          o.pgPid = Long.parseLong(lines.get(0).trim());
          if (o.pgPort == 0) {
            o.pgPort = Integer.parseInt(lines.get(3).trim());
          }
        }
      }
      return o;
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("url", "http://" + host + ":" + port)
          .put("jit_warmup_max_s", jitWarmupS).put("jit_warmup_events", jitWarmupEvents)
          .put("concurrency", concurrency).put("warmup_s", warmupS).put("duration_s", durationS)
          .put("many_channels", manyChannels)
          .put("rate", rate).put("rate_warmup_s", rateWarmupS).put("rate_duration_s", rateDurationS)
          .put("rate_connections", rateConnections).put("max_in_flight", maxInFlight)
          .put("phases", String.join(",", phases)).put("batch_size", batchSize).put("batch_concurrency", batchConcurrency)
          .put("peer_connections", peerConnections).put("peer_warmup_s", peerWarmupS).put("peer_duration_s", peerDurationS)
          .put("payload", "agg".equals(payload)
              ? "{\"type\":\"bench\",\"data\":{\"t\":<nanoTime>,\"a\":<nanoTime>,\"amount\":1..100,\"user\":\"u0..u999\",\"region\":\"r0..r7\"}} (about 120 bytes)"
              : "{\"type\":\"bench\",\"data\":{\"t\":<nanoTime>,\"a\":<nanoTime>}} (about 70 bytes)")
          .put("snapshot_channels", String.join(",", snapshotChannels))
          .put("http", "HTTP/1.1 keep-alive, one request per connection at a time");
    }

    static void usage(String problem) {
      System.err.println(problem);
      System.err.println("usage: java -cp target/herald.jar bench/publish/PublishBench.java --url http://127.0.0.1:PORT "
          + "--api-key KEY [--data-dir HERALD_DATA_DIR | --pg-port N] [--herald-pid PID] [--out FILE] [--label TEXT] "
          + "[--jit-warmup MAX_S] [--jit-warmup-events N] [--warmup S] [--duration S] [--concurrency N] [--channels N] [--rate EPS] [--rate-warmup S] "
          + "[--rate-duration S] [--rate-connections N] [--max-in-flight N] [--peer-warmup S] [--peer-duration S] "
          + "[--peer-connections N] [--batch-size N] [--batch-concurrency N] [--phases one,many,batch,rate,serial,naive] [--payload plain|agg] [--snapshot-channels agg:a,agg:b]");
      System.exit(2);
    }
  }
}
