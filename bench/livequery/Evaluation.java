import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scenario "evaluation": one node, N live queries with distinct equality filters
 * ({@code doc.owner == "u<q>"}), at most 500 per socket, all in the one node process: first none,
 * then 100, then 10,000 (the 100 stay, 9,900 more join). After all snapshots, W writes at a steady
 * rate, each a new document matching exactly one query; Herald's CPU per write is its process CPU
 * over the phase / W, and every query must have got exactly its appears. The peer
 * ({@link Naive}) re-runs every query as SQL per write against the same PostgreSQL.
 */
final class Evaluation {

  static final int QUERIES_PER_SOCKET = 500;
  /** Registers waiting for their snapshot at once: each snapshot is a read transaction on the node's pool. */
  static final int REGISTER_WINDOW = 100;
  private static final String PAD = "x".repeat(64);
  private static final String QUERY_PREFIX = "live:" + Latency.COLLECTION + ":q";
  private static final byte[] SNAPSHOT = Frames.ascii("\"type\":\"query.snapshot\"");
  private static final byte[] APPEAR = Frames.ascii("\"type\":\"appear\"");
  private static final byte[] QUERY = Frames.ascii("\"address\":\"" + QUERY_PREFIX);
  private static final byte[] ERR = Frames.ascii("{\"type\":\"err\"");

  /** Subscriber-side state, on the subscriber context only. */
  private static final class Seen {
    final int[] appears;
    long appearTotal;
    long stray;
    long snapshots;
    long errors;
    String lastError;
    int registered;
    int target;

    Seen(int queries) {
      appears = new int[queries];
    }
  }

  private final LiveQueryBench.Opts o;
  private final Vertx vertx;
  private final Context subscriber;
  private final Context writer;
  private final WebSocketClient client;
  private final List<Cpu.Proc> procs;
  private final List<LiveSocket> sockets = new ArrayList<>();
  private final Seen seen;
  private int phases;

  private Evaluation(LiveQueryBench.Opts o, Vertx vertx) {
    this.o = o;
    this.vertx = vertx;
    this.subscriber = LiveQueryBench.newContext(vertx);
    this.writer = LiveQueryBench.newContext(vertx);
    this.client = Loops.on(subscriber, () -> Future.succeededFuture(vertx.createWebSocketClient(
        new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxConnections(1000)))).await();
    this.procs = LiveQueryBench.procs(o);
    this.seen = new Seen(o.counts.stream().mapToInt(Integer::intValue).max().orElse(0));
  }

  static JsonObject run(LiveQueryBench.Opts o, Vertx vertx) throws Exception {
    return new Evaluation(o, vertx).run();
  }

  private JsonObject run() throws Exception {
    Log.info("evaluation: JIT warm-up, batches of " + o.writes + " writes without live queries until the JIT is quiet");
    JsonArray warmup = new JsonArray();
    do {
      warmup.add(writes("jit-warmup", 0, o.writes));
    } while (warmup.size() < 4 && warmup.getJsonObject(warmup.size() - 1).getDouble("jit_cores") > Latency.JIT_QUIET_CORES);
    List<JsonObject> none = new ArrayList<>();
    for (int r = 0; r < o.repeats; r++) {
      none.add(writes("N=0 #" + (r + 1), 0, o.writes));
    }
    JsonObject byN = new JsonObject().put("0", measured(none));
    for (int n : o.counts) {
      register(n);
      writes("warm-up N=" + n, n, Math.max(500, o.writes / 3));
      List<JsonObject> runs = new ArrayList<>();
      for (int r = 0; r < o.repeats; r++) {
        runs.add(writes("N=" + n + " #" + (r + 1), n, o.writes));
      }
      byN.put(Integer.toString(n), measured(runs));
    }
    JsonObject naive = new JsonObject();
    for (int n : o.counts) {
      naive.put(Integer.toString(n), Naive.run(o, n, procs));
    }
    sockets.forEach(LiveSocket::close);
    return new JsonObject()
        .put("what", "1 node; N live queries live:" + Latency.COLLECTION + ":q<i> with filter doc.owner == \"u<i>\" (distinct), "
            + QUERIES_PER_SOCKET + " per socket, all in one node process (0, then the counts in order; earlier queries stay). "
            + "Per phase " + o.writes + " PUTs of new documents at " + o.evalRate + "/s, each matching exactly one query; "
            + "CPU of the phase (first send to the last appear) / writes")
        .put("jit_warmup", warmup)
        .put("herald", byN)
        .put("naive", naive)
        .put("summary", summary(byN, naive));
  }

  private JsonObject summary(JsonObject byN, JsonObject naive) {
    JsonObject s = new JsonObject();
    double base = byN.getJsonObject("0").getDouble("median_with_db_us_per_write");
    for (int n : o.counts) {
      JsonObject h = byN.getJsonObject(Integer.toString(n));
      JsonObject p = naive.getJsonObject(Integer.toString(n));
      double herald = h.getDouble("median_with_db_us_per_write");
      double naiveTotal = base + p.getDouble("us_per_write");
      s.put("N=" + n, new JsonObject()
          .put("herald_jvm_us_per_write", h.getDouble("median_jvm_us_per_write"))
          .put("herald_jvm_without_jit_us_per_write", h.getDouble("median_jvm_without_jit_us_per_write"))
          .put("herald_with_db_us_per_write", herald)
          .put("herald_over_no_queries_us_per_write", Stats.round(herald - base, 1))
          .put("naive_queries_us_per_write", p.getDouble("us_per_write"))
          .put("naive_queries_wall_ms_per_write", p.getDouble("wall_ms_per_write"))
          .put("naive_total_us_per_write", Stats.round(naiveTotal, 1))
          .put("ratio_naive_over_herald", Stats.round(naiveTotal / herald, 2))
          .put("every_query_got_exactly_its_appears", h.getBoolean("verified")));
    }
    int low = o.counts.get(0);
    int high = o.counts.get(o.counts.size() - 1);
    JsonObject l = byN.getJsonObject(Integer.toString(low));
    JsonObject hi = byN.getJsonObject(Integer.toString(high));
    JsonObject ratios = new JsonObject();
    boolean met = true;
    for (String k : List.of("jvm", "with_db", "jvm_without_jit", "with_db_without_jit")) {
      String key = "median_" + k + "_us_per_write";
      double ratio = Stats.round(hi.getDouble(key) / l.getDouble(key), 3);
      ratios.put(k, ratio);
      met &= ratio <= 2;
    }
    return s.put("no_queries_with_db_us_per_write", base)
        .put("ratio_cost_" + high + "_over_" + low, ratios)
        .put("target_ratio_at_most_2_met", met)
        .put("definition", "naive_total = Herald's write without live queries (N=0, JVM + PostgreSQL) + re-running the N "
            + "queries in SQL (PostgreSQL + client); Herald = JVM + PostgreSQL per write with N live queries");
  }

  /** The runs of one N, and their medians. */
  private static JsonObject measured(List<JsonObject> runs) {
    return new JsonObject()
        .put("median_jvm_us_per_write", median(runs, "jvm_us_per_write"))
        .put("median_with_db_us_per_write", median(runs, "with_db_us_per_write"))
        .put("median_jvm_without_jit_us_per_write", median(runs, "jvm_without_jit_us_per_write"))
        .put("median_with_db_without_jit_us_per_write", median(runs, "with_db_without_jit_us_per_write"))
        .put("verified", runs.stream().allMatch(r -> r.getBoolean("verified")))
        .put("runs", new JsonArray(runs));
  }

  private static double median(List<JsonObject> runs, String key) {
    double[] v = runs.stream().mapToDouble(r -> r.getDouble(key)).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : Stats.round((v[v.length / 2 - 1] + v[v.length / 2]) / 2, 1);
  }

  /** Registers queries until n are live (sockets opened as needed), and waits for all their snapshots. */
  private void register(int n) throws Exception {
    long t0 = System.nanoTime();
    while (sockets.size() * QUERIES_PER_SOCKET < n) {
      sockets.add(LiveSocket.open(vertx, subscriber, client, o.ports.get(0), this::frame).await());
    }
    Loops.on(subscriber, () -> {
      seen.target = n;
      pump();
      return Future.succeededFuture();
    }).await();
    long deadline = System.nanoTime() + 300_000_000_000L;
    long done;
    while ((done = Loops.on(subscriber, () -> Future.succeededFuture(seen.snapshots + seen.errors)).await()) < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + done + " of " + n + " live queries got their snapshot in 300 s");
      }
      Thread.sleep(200);
    }
    if (seen.errors > 0) {
      throw new IllegalStateException(seen.errors + " live queries failed; last: " + seen.lastError);
    }
    Log.info("evaluation: " + n + " live queries on " + sockets.size() + " sockets, all snapshots in "
        + Stats.round((System.nanoTime() - t0) / 1e9, 1) + " s");
    Thread.sleep(2000); // let the registration's garbage and compilation settle before a measurement
  }

  /** Sends registers while fewer than REGISTER_WINDOW wait for their snapshot; on the subscriber context. */
  private void pump() {
    while (seen.registered < seen.target && seen.registered - seen.snapshots - seen.errors < REGISTER_WINDOW) {
      int q = seen.registered++;
      sockets.get(q / QUERIES_PER_SOCKET).register(QUERY_PREFIX + q,
          new JsonObject().put("filter", "doc.owner == \"u" + q + "\"").encode(), null);
    }
  }

  private void frame(Buffer frame) {
    if (Frames.contains(frame, APPEAR)) {
      long q = Frames.number(frame, QUERY);
      if (q >= 0 && q < seen.appears.length) {
        seen.appears[(int) q]++;
        seen.appearTotal++;
      } else {
        seen.stray++;
      }
    } else if (Frames.contains(frame, SNAPSHOT)) {
      seen.snapshots++;
      pump();
    } else if (Frames.startsWith(frame, ERR)) {
      seen.errors++;
      seen.lastError = frame.toString();
      pump();
    }
  }

  /** The query write i of a phase with n queries matches (distinct for i < n: 7919 is prime to 100 and 10,000), or -1. */
  private static int queryOf(long i, int n) {
    return n == 0 ? -1 : (int) (i * 7919 % n);
  }

  /**
   * W writes of new documents at the evaluation rate, each for the owner of one query; the CPU of
   * every process from just before the first send until the last appear, and the check that each
   * query got exactly the appears of the writes acknowledged for it.
   */
  private JsonObject writes(String name, int n, int count) throws Exception {
    String prefix = "e" + (phases++) + "-";
    OpenLoop loop = new OpenLoop(vertx, writer, o.ports.get(0), o.apiKey, o.evalRate, count, new OpenLoop.Requests() {
      @Override
      public HttpMethod method() {
        return HttpMethod.PUT;
      }

      @Override
      public String path(long i) {
        return "/api/v1/collections/" + Latency.COLLECTION + "/docs/" + prefix + i;
      }

      @Override
      public String body(long i, long scheduledAt) {
        int q = queryOf(i, n);
        return "{\"owner\":\"" + (q < 0 ? "nobody" : "u" + q) + "\",\"i\":" + i + ",\"p\":\"" + PAD + "\"}";
      }
    });
    int[] before = Loops.on(subscriber, () -> Future.succeededFuture(seen.appears.clone())).await();
    long appearsBefore = Loops.on(subscriber, () -> Future.succeededFuture(seen.appearTotal)).await();
    Map<String, Long> cpu0 = Cpu.sample(procs);
    long jit0 = Cpu.compilerTicks(procs);
    long t0 = System.nanoTime();
    loop.start(t0 + 20_000_000L);
    long deadline = t0 + (long) (count / o.evalRate * 1e9) + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      Thread.sleep(10);
      boolean sent = Loops.on(writer, () -> Future.succeededFuture(loop.scheduled() >= count && loop.idle())).await();
      long appeared = Loops.on(subscriber, () -> Future.succeededFuture(seen.appearTotal)).await() - appearsBefore;
      if (sent && (n == 0 || appeared >= loop.ok)) {
        break;
      }
    }
    long t1 = System.nanoTime();
    Map<String, Long> cpu1 = Cpu.sample(procs);
    long jit = Cpu.compilerTicks(procs) - jit0;
    long[] acked = Loops.on(writer, () -> Future.succeededFuture(loop.ackedCopy())).await();
    loop.close();
    Thread.sleep(200); // a late extra appear would show in the check
    int[] after = Loops.on(subscriber, () -> Future.succeededFuture(seen.appears.clone())).await();

    int[] expected = new int[seen.appears.length];
    long[] ackMs = new long[count];
    int ok = 0;
    for (int i = 0; i < count; i++) {
      if (acked[i] != 0) {
        ackMs[ok++] = acked[i] - loop.scheduledAt(i);
        int q = queryOf(i, n);
        if (q >= 0) {
          expected[q]++;
        }
      }
    }
    int fewer = 0;
    int more = 0;
    long got = 0;
    for (int q = 0; q < expected.length; q++) {
      int d = after[q] - before[q];
      got += d;
      fewer += d < expected[q] ? 1 : 0;
      more += d > expected[q] ? 1 : 0;
    }
    double wallS = (t1 - t0) / 1e9;
    JsonObject cpu = Cpu.diff(procs, cpu0, cpu1, wallS);
    double jvm = cpu.getDouble("server_without_db_s");
    double all = cpu.getDouble("server_s");
    JsonObject r = new JsonObject()
        .put("name", name)
        .put("queries", n)
        .put("sockets", n == 0 ? 0 : (n + QUERIES_PER_SOCKET - 1) / QUERIES_PER_SOCKET)
        .put("writes", count).put("acked", ok).put("failed", loop.failed).put("last_error", loop.lastError)
        .put("rate_per_s", o.evalRate)
        .put("wall_s", Stats.round(wallS, 2))
        .put("ack_ms", Stats.latencyMs(Arrays.copyOf(ackMs, ok)))
        .put("jvm_us_per_write", ok == 0 ? null : Stats.round(jvm / ok * 1e6, 1))
        // the JIT still compiles thousands of writes in (jit_cores): its threads' CPU is no write's own cost
        .put("jvm_without_jit_us_per_write", ok == 0 ? null : Stats.round((jvm - jit / Cpu.TICKS_PER_S) / ok * 1e6, 1))
        .put("with_db_without_jit_us_per_write", ok == 0 ? null : Stats.round((all - jit / Cpu.TICKS_PER_S) / ok * 1e6, 1))
        .put("with_db_us_per_write", ok == 0 ? null : Stats.round(all / ok * 1e6, 1))
        .put("postgres_us_per_write", ok == 0 ? null : Stats.round((all - jvm) / ok * 1e6, 1))
        .put("appears_expected", n == 0 ? 0 : ok).put("appears_received", got)
        .put("queries_with_fewer_appears", fewer).put("queries_with_more_appears", more)
        .put("verified", ok == count && fewer == 0 && more == 0)
        .put("jit_cores", Stats.round(jit / Cpu.TICKS_PER_S / wallS, 3))
        .put("cpu", cpu);
    Log.info(String.format("  %s: %d/%d acked, JVM %.1f µs/write (%.1f without the JIT), with PostgreSQL %.1f, appears %d of %d, wrong queries %d, "
            + "jit %s cores, others %s cores", name, ok, count, r.getDouble("jvm_us_per_write"), r.getDouble("jvm_without_jit_us_per_write"),
        r.getDouble("with_db_us_per_write"),
        got, n == 0 ? 0 : ok, fewer + more, r.getValue("jit_cores"), cpu.getValue("everything_else_cores")));
    return r;
  }
}
