import io.vertx.core.Future;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A set of subscriber connections to one target, opened once and measured under one or more
 * offered loads, then closed. Connection i subscribes to channels.get(i) (logical names, mapped by
 * the target's protocol) as users.get(i) (or no user).
 */
final class Session implements AutoCloseable {

  static final int CONNECTS_IN_FLIGHT = 128;
  static final long KEEPALIVE_MS = 10_000;
  static final long DRAIN_WAIT_NANOS = 20_000_000_000L;
  /** A server's JIT compilers below this (cores, over two seconds) count as done with the current load. */
  static final double JIT_QUIET_CORES = 0.05;
  static final double MAX_EXTRA_WARMUP_S = 60;

  private final Loops loops;
  private final Target target;
  private final List<List<Conn>> byLoop = new ArrayList<>();
  private final List<Long> keepaliveTimers = new ArrayList<>();
  private int size;

  Session(Loops loops, Target target) {
    this.loops = loops;
    this.target = target;
    for (int i = 0; i < loops.size(); i++) {
      byLoop.add(new ArrayList<>());
    }
  }

  /** Opens the connections (at most 128 handshakes at a time) and waits until all are subscribed. */
  void open(List<List<String>> channels, List<String> users) throws InterruptedException {
    long t0 = System.nanoTime();
    Semaphore permits = new Semaphore(CONNECTS_IN_FLIGHT);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < channels.size(); i++) {
      permits.acquire();
      int loop = i % loops.size();
      List<String> names = channels.get(i).stream().map(target.protocol()::channel).toList();
      Conn conn = new Conn(names, loops.recorders.get(loop));
      String path = target.protocol().path(names, users == null ? null : users.get(i));
      int port = target.wsPort(i);
      loops.subscriberContexts.get(loop).runOnContext(v -> {
        byLoop.get(loop).add(conn);
        connect(loop, conn, port, path);
      });
      conn.subscribed.future().onComplete(ar -> permits.release());
      all.add(conn.subscribed.future());
      if ((i + 1) % 1000 == 0) {
        Log.progress("  " + target.name() + ": " + (i + 1) + "/" + channels.size() + " connections opening");
      }
    }
    size = channels.size();
    Future.all(all).toCompletionStage().toCompletableFuture().orTimeout(120, TimeUnit.SECONDS).join();
    Log.info("  " + target.name() + ": " + size + " connections subscribed in "
        + Stats.round((System.nanoTime() - t0) / 1e9, 1) + " s");
    for (int i = 0; i < loops.size(); i++) {
      List<Conn> conns = byLoop.get(i);
      keepaliveTimers.add(Loops.on(loops.subscriberContexts.get(i), () -> Future.succeededFuture(
          loops.vertx.setPeriodic(KEEPALIVE_MS, t -> conns.forEach(target.protocol()::keepalive)))).await());
    }
  }

  private void connect(int loop, Conn conn, int port, String path) {
    loops.clients.get(loop).connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path))
        .onSuccess(ws -> {
          conn.ws = ws;
          ws.handler(frame -> target.protocol().frame(conn, frame));
          ws.exceptionHandler(err -> conn.failed(String.valueOf(err)));
          ws.closeHandler(v -> conn.failed("closed by the server"));
          target.protocol().opened(conn);
        })
        .onFailure(err -> conn.failed("connect: " + err));
  }

  int size() {
    return size;
  }

  /**
   * Publishes the streams open-loop: warm-up, then the measured window, then waits (up to 20 s) for
   * the window's deliveries to arrive. Returns what was seen: deliveries, latency from the
   * scheduled send, the CPU of every process, and what got lost. The warm-up lasts at least
   * warmupS and goes on (up to {@link #MAX_EXTRA_WARMUP_S} more) while the server's JIT compilers
   * are still busy, so that the window measures compiled code rather than the compiling.
   */
  JsonObject measure(List<Publisher.Stream> streams, double warmupS, double measureS) throws InterruptedException {
    long start = System.nanoTime() + 50_000_000L;
    loops.recorders.forEach(r -> r.window(Long.MAX_VALUE, Long.MAX_VALUE));
    Publisher pub = new Publisher(loops.vertx, loops.publisherContext, target, streams);
    pub.start(start, Long.MAX_VALUE, Long.MAX_VALUE);
    long from = warmUp(start, warmupS, pub);
    long to = from + (long) (measureS * 1e9);
    pub.window(from, to);
    loops.recorders.forEach(r -> r.window(from, to));
    // the disk's own fsync stalls in the same window: a durable publish cannot return before its WAL flush
    DiskProbe disk = new DiskProbe(Path.of(System.getProperty("java.io.tmpdir")), to);
    disk.start();
    sleepUntil(from);
    Map<String, Long> cpu0 = Cpu.sample(target.processes());
    long jit0 = Cpu.compilerTicks(target.processes());
    Rates rates = new Rates(pub);
    for (long tick = from + 1_000_000_000L; tick < to; tick += 1_000_000_000L) {
      sleepUntil(tick);
      Log.progress(String.format("  %s measure t=%.0fs: %s", target.name(), (tick - from) / 1e9, rates.sinceLast()));
    }
    sleepUntil(to);
    double jitCores = (Cpu.compilerTicks(target.processes()) - jit0) / Cpu.TICKS_PER_S / measureS;
    Map<String, Long> cpu1 = Cpu.sample(target.processes());
    pub.stop();
    // a backlog (a starved server) delivers late: wait for it, within reason
    long waitUntil = System.nanoTime() + DRAIN_WAIT_NANOS;
    while (System.nanoTime() < waitUntil && !(pub.idle() && received() >= pub.expectedInWindow)) {
      Thread.sleep(50);
    }
    long[] publishLatency = Loops.on(loops.publisherContext, () -> Future.succeededFuture(pub.publishLatencies())).await();
    pub.close();
    List<Recorder.Snapshot> snaps = new ArrayList<>();
    for (int i = 0; i < loops.size(); i++) {
      Recorder r = loops.recorders.get(i);
      snaps.add(Loops.on(loops.subscriberContexts.get(i), () -> Future.succeededFuture(r.take())).await());
    }
    disk.finish();
    return Results.of(target, size, measureS, pub, publishLatency, snaps, Cpu.diff(target.processes(), cpu0, cpu1, measureS),
            calmSeconds(disk, from, to))
        .put("warmup_s", Stats.round((from - start) / 1e9, 1))
        .put("jit_cores_in_window", Stats.round(jitCores, 3))
        .put("disk_probe", disk.toJson(from, to));
  }

  /** Which seconds of [from, to) the disk left alone (see {@link DiskProbe#CALM_NANOS}). */
  private static boolean[] calmSeconds(DiskProbe disk, long from, long to) {
    boolean[] calm = new boolean[(int) ((to - from + 999_999_999L) / 1_000_000_000L)];
    for (int i = 0; i < calm.length; i++) {
      calm[i] = disk.calmSecond(from + i * 1_000_000_000L);
    }
    return calm;
  }

  /**
   * Publishes for at least minS, then on while the server's JIT compilers took more than
   * {@link #JIT_QUIET_CORES} over the last two seconds (bounded); returns when the measured window
   * starts: a second after the warm-up is judged done, so the window is set before it opens.
   */
  private long warmUp(long start, double minS, Publisher pub) throws InterruptedException {
    long minEnd = start + (long) (minS * 1e9);
    long maxEnd = minEnd + (long) (MAX_EXTRA_WARMUP_S * 1e9);
    long jitTwoAgo = Cpu.compilerTicks(target.processes());
    long jitOneAgo = jitTwoAgo;
    Rates rates = new Rates(pub);
    for (long tick = start + 1_000_000_000L; ; tick += 1_000_000_000L) {
      sleepUntil(tick);
      long jitNow = Cpu.compilerTicks(target.processes());
      double jitCores = (jitNow - jitTwoAgo) / Cpu.TICKS_PER_S / 2;
      jitTwoAgo = jitOneAgo;
      jitOneAgo = jitNow;
      Log.progress(String.format("  %s warm-up t=%.0fs: %s, jit %.2f cores", target.name(), (tick - start) / 1e9,
          rates.sinceLast(), jitCores));
      if (tick >= minEnd && (jitCores < JIT_QUIET_CORES || tick >= maxEnd)) {
        return tick + 1_000_000_000L;
      }
    }
  }

  /** Deliveries and publishes per second, for the progress line printed every second. */
  private final class Rates {
    private final Publisher pub;
    private long lastTotal = delivered();
    private long lastSent;

    Rates(Publisher pub) {
      this.pub = pub;
      this.lastSent = pub.sent;
    }

    String sinceLast() {
      long total = delivered();
      long sent = pub.sent;
      String line = String.format("%,d deliveries/s, %,d publishes/s, failed %d, dropped %d",
          total - lastTotal, sent - lastSent, pub.failed, pub.skipped);
      lastTotal = total;
      lastSent = sent;
      return line;
    }
  }

  private long delivered() {
    long n = 0;
    for (Recorder r : loops.recorders) {
      n += r.total;
    }
    return n;
  }

  /** Deliveries of events scheduled in the window seen so far (approximate while running). */
  private long received() {
    long n = 0;
    for (Recorder r : loops.recorders) {
      n += r.sampled;
    }
    return n;
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long ms = (nanos - System.nanoTime()) / 1_000_000;
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < loops.size(); i++) {
      List<Conn> conns = byLoop.get(i);
      long timer = i < keepaliveTimers.size() ? keepaliveTimers.get(i) : -1;
      Loops.on(loops.subscriberContexts.get(i), () -> {
        loops.vertx.cancelTimer(timer);
        conns.forEach(Conn::close);
        conns.clear();
        return Future.succeededFuture();
      }).await();
    }
  }
}
