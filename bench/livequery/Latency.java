import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Scenario "latency": 2 clustered nodes. A subscriber on node B holds a live query (an equality
 * filter, so the node's index finds it); an open-loop writer PUTs distinct new documents to node A
 * at a fixed rate, each one an appear for it. Latency is the write's HTTP acknowledgement to the
 * appear frame at the subscriber, matched by document id. The peer, in the same run on the same
 * nodes: a channel subscriber on node B, publishes to node A at the same rate, one per request,
 * acknowledgement to the rec frame. Each phase: warm-up (until the JITs go quiet), a measured window
 * with the disk probe beside it, then a wait for stragglers.
 */
final class Latency {

  static final String COLLECTION = "lqbench";
  private static final String PAD = "x".repeat(64);
  private static final byte[] SNAPSHOT = Frames.ascii("\"type\":\"query.snapshot\"");
  private static final byte[] APPEAR = Frames.ascii("\"type\":\"appear\"");
  private static final byte[] DOC_ID = Frames.ascii("\"id\":\"d");
  private static final byte[] SUBSCRIBED = Frames.ascii("\"subscribed\":true");
  private static final byte[] EVENT_INDEX = Frames.ascii("\"i\":");
  private static final byte[] TS = Frames.ascii("\"ts\":\"");
  private static final byte[] ERR = Frames.ascii("{\"type\":\"err\"");
  static final double JIT_QUIET_CORES = 0.05;
  static final double MAX_EXTRA_WARMUP_S = 20;
  static final long DRAIN_NANOS = 15_000_000_000L;

  private Latency() {
  }

  static JsonObject run(LiveQueryBench.Opts o, Vertx vertx) throws Exception {
    int portA = o.ports.get(0);
    int portB = o.ports.get(1);
    List<Cpu.Proc> procs = LiveQueryBench.procs(o);
    Context subscriber = LiveQueryBench.newContext(vertx);
    Context writer = LiveQueryBench.newContext(vertx);
    int capacity = (int) (o.rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
        * (o.warmupS + MAX_EXTRA_WARMUP_S + o.durationS + 5));
    WebSocketClient client = Loops.on(subscriber, () -> Future.succeededFuture(vertx.createWebSocketClient(
        new WebSocketClientOptions().setMaxFrameSize(1 << 20)))).await();

    // the live query on node B: a filter of one equality, as an app watching "its" documents would have
    // each rate's writes get indices (document ids, event numbers) of their own: base + i
    Arrivals docs = new Arrivals(capacity * o.rates.size());
    Promise<Void> snapshot = Promise.promise();
    String query = "live:" + COLLECTION + ":latency-" + o.runId;
    LiveSocket docSocket = LiveSocket.open(vertx, subscriber, client, portB, frame -> {
      if (Frames.contains(frame, APPEAR)) {
        long i = Frames.number(frame, DOC_ID);
        docs.arrived(i);
        int ts = Frames.indexOf(frame, TS, 0);
        if (ts >= 0) {
          docs.stamped(i, java.time.Instant.parse(frame.getString(ts + TS.length, ts + TS.length + 24)));
        }
      } else if (Frames.contains(frame, SNAPSHOT)) {
        snapshot.tryComplete();
      } else if (Frames.startsWith(frame, ERR)) {
        snapshot.tryFail(frame.toString());
        Log.info("live query error: " + frame);
      }
    }).await();
    subscriber.runOnContext(v -> docSocket.register(query,
        new JsonObject().put("filter", "doc.run == \"" + o.runId + "\"").encode(), null));
    snapshot.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Log.info("live query " + query + " on node B has its snapshot");

    // the peer: a channel on node B
    Arrivals events = new Arrivals(capacity * o.rates.size());
    Promise<Void> subscribed = Promise.promise();
    String channel = "market:lq-" + o.runId;
    LiveSocket channelSocket = LiveSocket.open(vertx, subscriber, client, portB, frame -> {
      if (Frames.contains(frame, SUBSCRIBED)) {
        subscribed.tryComplete();
      } else if (Frames.startsWith(frame, ERR)) {
        subscribed.tryFail(frame.toString());
        Log.info("channel error: " + frame);
      } else {
        events.arrived(Frames.number(frame, EVENT_INDEX));
      }
    }).await();
    subscriber.runOnContext(v -> channelSocket.register(channel, null, "ack"));
    subscribed.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Log.info("channel " + channel + " subscribed on node B");

    LongFunction<OpenLoop.Requests> docWrites = base -> new OpenLoop.Requests() {
      @Override
      public HttpMethod method() {
        return HttpMethod.PUT;
      }

      @Override
      public String path(long i) {
        return "/api/v1/collections/" + COLLECTION + "/docs/d" + (base + i);
      }

      @Override
      public String body(long i, long scheduledAt) {
        return "{\"run\":\"" + o.runId + "\",\"t\":" + scheduledAt + ",\"p\":\"" + PAD + "\"}";
      }
    };
    LongFunction<OpenLoop.Requests> publishes = base -> new OpenLoop.Requests() {
      @Override
      public HttpMethod method() {
        return HttpMethod.POST;
      }

      @Override
      public String path(long i) {
        return "/api/v1/channels/" + channel + "/events";
      }

      @Override
      public String body(long i, long scheduledAt) {
        return "{\"type\":\"b\",\"data\":{\"i\":" + (base + i) + ",\"t\":" + scheduledAt + ",\"p\":\"" + PAD + "\"}}";
      }
    };

    JsonObject byRate = new JsonObject();
    JsonObject summaries = new JsonObject();
    for (int k = 0; k < o.rates.size(); k++) {
      double rate = o.rates.get(k);
      long base = (long) k * capacity;
      String key = String.valueOf((long) rate);
      JsonObject live = phase("live query appear at " + key + "/s", vertx, writer, subscriber, portA, o, rate, procs,
          docWrites.apply(base), docs, base, capacity);
      JsonObject plain = phase("channel publish at " + key + "/s", vertx, writer, subscriber, portA, o, rate, procs,
          publishes.apply(base), events, base, capacity);
      byRate.put(key, new JsonObject().put("live_query", live).put("channel", plain));
      summaries.put(key, summary(live, plain));
    }
    docSocket.close();
    channelSocket.close();
    return new JsonObject()
        .put("what", "2 clustered nodes sharing node A's PostgreSQL. Node B: one live query (" + query + ", filter doc.run == run id) "
            + "and one channel subscriber (" + channel + "). Node A: open-loop writes at each rate, one per HTTP request: "
            + "PUT of a new document (an appear for the query), then, as the peer, POST of a channel event. Latency: the write's "
            + "2xx arriving at the generator -> the appear / rec frame arriving at the subscriber (same clock)")
        .put("rates", byRate)
        .put("summary", summaries);
  }

  private static JsonObject summary(JsonObject live, JsonObject plain) {
    JsonObject s = new JsonObject();
    for (String scope : List.of("whole_window", "undisturbed_seconds")) {
      JsonObject l = scope(live, scope);
      JsonObject c = scope(plain, scope);
      Double lp = l.getDouble("p99");
      Double cp = c.getDouble("p99");
      Double ratio = lp == null || cp == null || cp <= 0 ? null : Stats.round(lp / cp, 3);
      s.put(scope, new JsonObject()
          .put("live_query_ack_to_appear_ms", l)
          .put("channel_ack_to_deliver_ms", c)
          .put("p99_ratio_live_over_channel", ratio)
          .put("target_p99_ratio_at_most_1_5_met", ratio != null && ratio <= 1.5));
    }
    return s.put("live_query_rate_sustained", sustained(live)).put("channel_rate_sustained", sustained(plain));
  }

  private static JsonObject scope(JsonObject phase, String scope) {
    return scope.equals("whole_window") ? phase.getJsonObject("ack_to_deliver_ms")
        : phase.getJsonObject("undisturbed_seconds").getJsonObject("ack_to_deliver_ms");
  }

  private static boolean sustained(JsonObject phase) {
    JsonObject w = phase.getJsonObject("writes");
    return w.getLong("skipped") == 0 && w.getLong("failed") == 0 && phase.getLong("missing") == 0;
  }

  /** One open-loop phase against port, received as arrivals on the subscriber's context. */
  private static JsonObject phase(String name, Vertx vertx, Context writer, Context subscriber, int port, LiveQueryBench.Opts o,
      double rate, List<Cpu.Proc> procs, OpenLoop.Requests requests, Arrivals arrivals, long base, int capacity) throws Exception {
    Log.info(name + " to node A");
    OpenLoop loop = new OpenLoop(vertx, writer, port, o.apiKey, rate, capacity, requests);
    long start = System.nanoTime() + 50_000_000L;
    loop.start(start);
    long from = warmUp(name, start, o.warmupS, procs, loop);
    long to = from + (long) (o.durationS * 1e9);
    DiskProbe disk = new DiskProbe(Path.of(System.getProperty("java.io.tmpdir")), to);
    disk.start();
    PgWaits waits = new PgWaits(o.pgPort, from, to);
    waits.start();
    Session.sleepUntil(from);
    Map<String, Long> cpu0 = Cpu.sample(procs);
    long jit0 = Cpu.compilerTicks(procs);
    long lastOk = loop.ok;
    for (long tick = from + 1_000_000_000L; tick < to; tick += 1_000_000_000L) {
      Session.sleepUntil(tick);
      long ok = loop.ok;
      Log.progress(String.format("  %s t=%.0fs: %,d acked/s, failed %d, dropped %d", name, (tick - from) / 1e9, ok - lastOk,
          loop.failed, loop.skipped));
      lastOk = ok;
    }
    Session.sleepUntil(to);
    double jitCores = (Cpu.compilerTicks(procs) - jit0) / Cpu.TICKS_PER_S / o.durationS;
    Map<String, Long> cpu1 = Cpu.sample(procs);
    loop.stop();
    long first = loop.indexAt(from);
    long end = loop.indexAt(to);
    long waitUntil = System.nanoTime() + DRAIN_NANOS;
    while (System.nanoTime() < waitUntil && !drained(loop, writer, subscriber, arrivals, base, first, end)) {
      Thread.sleep(100);
    }
    long[] acked = Loops.on(writer, () -> Future.succeededFuture(loop.ackedCopy())).await();
    long[] arrived = Loops.on(subscriber, () -> Future.succeededFuture(arrivals.copy())).await();
    long duplicates = Loops.on(subscriber, () -> Future.succeededFuture(arrivals.duplicates)).await();
    long[] sinceStamp = Loops.on(subscriber, () -> Future.succeededFuture(arrivals.sinceStampCopy())).await();
    loop.close();
    disk.finish();

    boolean[] calm = new boolean[(int) Math.ceil(o.durationS)];
    for (int s = 0; s < calm.length; s++) {
      calm[s] = disk.calmSecond(from + s * 1_000_000_000L);
    }
    long[] ackMs = new long[(int) (end - first)];
    long[] toDeliver = new long[ackMs.length];
    long[] fromSend = new long[ackMs.length];
    long[] calmToDeliver = new long[ackMs.length];
    long[] calmFromSend = new long[ackMs.length];
    long[] index = new long[ackMs.length]; // of each ack -> deliver sample
    long[][] perSecond = new long[calm.length][2]; // acked, worst ack -> deliver
    int a = 0;
    int d = 0;
    int c = 0;
    long notAcked = 0;
    long missing = 0;
    long beforeAck = 0;
    for (long i = first; i < end; i++) {
      long sched = loop.scheduledAt(i);
      int second = (int) Math.min(calm.length - 1, (sched - from) / 1_000_000_000L);
      long ack = acked[(int) i];
      if (ack == 0) {
        notAcked++;
        continue;
      }
      ackMs[a++] = ack - sched;
      perSecond[second][0]++;
      long at = arrived[(int) (base + i)];
      if (at == 0) {
        missing++;
        continue;
      }
      if (at < ack) {
        beforeAck++;
      }
      index[d] = base + i;
      toDeliver[d] = at - ack;
      fromSend[d++] = at - sched;
      perSecond[second][1] = Math.max(perSecond[second][1], at - ack);
      if (calm[second]) {
        calmToDeliver[c] = at - ack;
        calmFromSend[c++] = at - sched;
      }
    }
    JsonArray timeline = new JsonArray();
    for (int s = 0; s < calm.length; s++) {
      long secondStart = from + s * 1_000_000_000L;
      timeline.add(new JsonObject().put("s", s).put("acked", perSecond[s][0])
          .put("worst_ack_to_deliver_ms", Stats.round(perSecond[s][1] / 1e6, 1))
          .put("disk_fsync_max_ms", Stats.round(disk.maxBetween(secondStart, secondStart + 1_000_000_000L) / 1e6, 1))
          .put("undisturbed", calm[s]));
    }
    JsonObject cpu = Cpu.diff(procs, cpu0, cpu1, o.durationS);
    JsonObject r = new JsonObject()
        .put("name", name)
        .put("offered_per_s", rate)
        .put("warmup_s", Stats.round((from - start) / 1e9, 1))
        .put("window_s", o.durationS)
        .put("writes", new JsonObject().put("scheduled_in_window", end - first).put("acked_in_window", a)
            .put("achieved_per_s", Stats.round(a / o.durationS, 1)).put("not_acked_in_window", notAcked)
            .put("sent", loop.sent).put("ok", loop.ok).put("failed", loop.failed).put("skipped", loop.skipped)
            .put("last_error", loop.lastError))
        .put("ack_ms", Stats.latencyMs(Arrays.copyOf(ackMs, a)))
        .put("ack_to_deliver_ms", Stats.latencyMs(Arrays.copyOf(toDeliver, d)))
        .put("send_to_deliver_ms", Stats.latencyMs(Arrays.copyOf(fromSend, d)))
        .put("delivered_before_ack", beforeAck)
        .put("missing", missing)
        .put("duplicates", duplicates)
        .put("undisturbed_seconds", new JsonObject()
            .put("definition", "seconds in which, and in the second before which, no disk probe fsync took over "
                + DiskProbe.CALM_NANOS / 1_000_000 + " ms; writes scheduled in them")
            .put("seconds", java.util.stream.IntStream.range(0, calm.length).filter(s -> calm[s]).count())
            .put("ack_to_deliver_ms", Stats.latencyMs(Arrays.copyOf(calmToDeliver, c)))
            .put("send_to_deliver_ms", Stats.latencyMs(Arrays.copyOf(calmFromSend, c))))
        .put("cpu", cpu)
        .put("server_cpu_us_per_write", a == 0 ? null : Stats.round(cpu.getDouble("server_s") / a * 1e6, 1))
        .put("jit_cores_in_window", Stats.round(jitCores, 3))
        .put("disk_probe", disk.toJson(from, to))
        .put("postgres_backends", waits.toJson())
        .put("split_at_envelope_ts", split(Arrays.copyOf(toDeliver, d), Arrays.copyOf(index, d), sinceStamp))
        .put("per_second", timeline);
    Log.info("  => " + name + ": acked " + a + " (" + Stats.round(a / o.durationS, 0) + "/s), ack->deliver "
        + r.getJsonObject("ack_to_deliver_ms") + ", undisturbed " + c + " of " + d + " in "
        + r.getJsonObject("undisturbed_seconds").getLong("seconds") + " s: "
        + r.getJsonObject("undisturbed_seconds").getJsonObject("ack_to_deliver_ms") + ", missing " + missing
        + ", server " + cpu.getDouble("server_cores") + " cores, others " + cpu.getValue("everything_else_cores"));
    return r;
  }

  /**
   * Where an ack -> deliver time goes, for frames whose envelope carries the server's ts (a live
   * query's is stamped on the subscriber's node when the change has been evaluated; wall clock, ms
   * precision): the part after the stamp (to the socket's context, the write, the kernel, the
   * generator's loop) and the rest before it, overall and for the slowest 1 %.
   */
  private static JsonObject split(long[] toDeliver, long[] index, long[] sinceStamp) {
    Integer[] order = new Integer[toDeliver.length];
    int stamped = 0;
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
      stamped += sinceStamp[(int) index[k]] != 0 ? 1 : 0;
    }
    if (stamped == 0) {
      return new JsonObject().put("stamped", 0);
    }
    Arrays.sort(order, (x, y) -> Long.compare(toDeliver[y], toDeliver[x]));
    int slowest = Math.max(1, order.length / 100);
    long[] after = new long[order.length];
    long[] afterSlow = new long[slowest];
    long[] beforeSlow = new long[slowest];
    for (int k = 0; k < order.length; k++) {
      long a = sinceStamp[(int) index[order[k]]];
      after[k] = a;
      if (k < slowest) {
        afterSlow[k] = a;
        beforeSlow[k] = toDeliver[order[k]] - a;
      }
    }
    return new JsonObject()
        .put("definition", "after = arrival (wall clock) - the envelope's ts (the server's wall clock when it built the envelope, "
            + "truncated to ms, so after reads up to 1 ms long); before = ack -> deliver - after")
        .put("stamped", stamped)
        .put("after_stamp_ms", Stats.latencyMs(after))
        .put("slowest_1_percent", new JsonObject().put("count", slowest)
            .put("ack_to_deliver_ms", Stats.latencyMs(Arrays.stream(order).limit(slowest).mapToLong(k -> toDeliver[k]).toArray()))
            .put("after_stamp_ms", Stats.latencyMs(afterSlow))
            .put("before_stamp_ms", Stats.latencyMs(beforeSlow)));
  }

  /** Whether the loop is idle and every write of the window it got acknowledged has arrived. */
  private static boolean drained(OpenLoop loop, Context writer, Context subscriber, Arrivals arrivals, long base, long first,
      long end) {
    long[] acked = Loops.on(writer, () -> Future.succeededFuture(loop.idle() ? loop.ackedCopy() : null)).await();
    if (acked == null) {
      return false;
    }
    return Loops.on(subscriber, () -> {
      for (long i = first; i < end; i++) {
        if (acked[(int) i] != 0 && !arrivals.has(base + i)) {
          return Future.succeededFuture(false);
        }
      }
      return Future.succeededFuture(true);
    }).await();
  }

  /**
   * Writes for at least minS, then on while the servers' JIT compilers took more than
   * {@link #JIT_QUIET_CORES} over the last two seconds (bounded); returns when the window starts.
   */
  private static long warmUp(String name, long start, double minS, List<Cpu.Proc> procs, OpenLoop loop) throws InterruptedException {
    long minEnd = start + (long) (minS * 1e9);
    long maxEnd = minEnd + (long) (MAX_EXTRA_WARMUP_S * 1e9);
    long twoAgo = Cpu.compilerTicks(procs);
    long oneAgo = twoAgo;
    long lastOk = loop.ok;
    for (long tick = start + 1_000_000_000L; ; tick += 1_000_000_000L) {
      Session.sleepUntil(tick);
      long now = Cpu.compilerTicks(procs);
      double jit = (now - twoAgo) / Cpu.TICKS_PER_S / 2;
      twoAgo = oneAgo;
      oneAgo = now;
      long ok = loop.ok;
      Log.progress(String.format("  %s warm-up t=%.0fs: %,d acked/s, failed %d, dropped %d, jit %.2f cores", name,
          (tick - start) / 1e9, ok - lastOk, loop.failed, loop.skipped, jit));
      lastOk = ok;
      if (tick >= minEnd && (jit < JIT_QUIET_CORES || tick >= maxEnd)) {
        return tick + 1_000_000_000L;
      }
    }
  }
}
