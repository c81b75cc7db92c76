import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What the disk itself does while a benchmark runs: every 20 ms one 8 KiB overwrite + fdatasync (what a commit
 * costs PostgreSQL's WAL) in a file on the same disk as the server's data. No commit returns before its WAL flush,
 * so a moment in which this probe waited 200 ms is a moment in which every durable store on this disk waited too.
 * About 50 fsyncs/s, small next to PostgreSQL's several hundred. Shared by bench/publish and bench/compare.
 */
final class DiskProbe extends Thread {

  static final long STALL_NANOS = 50_000_000L;
  /**
   * A second is undisturbed by the disk when no fsync in it, or in the second before (a late stall
   * still holds up the next second's commits), took over this: what a server does when the disk
   * takes nothing from it.
   */
  static final long CALM_NANOS = 20_000_000L;
  private static final int PAGES = 256;
  private static final long PERIOD_NANOS = 20_000_000L;

  private final Path file;
  private final long until;
  // written by the probe thread only; read after join()
  private long[] startedAt = new long[4096];
  private long[] took = new long[4096];
  private int n;
  private volatile String error;

  /** Probes from start() until the given System.nanoTime(). */
  DiskProbe(Path dir, long until) {
    super("disk-probe");
    setDaemon(true);
    this.file = dir.resolve("disk-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".dat");
    this.until = until;
  }

  @Override
  public void run() {
    ByteBuffer page = ByteBuffer.allocate(8192);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.DELETE_ON_CLOSE)) {
      // allocated up front, like a recycled WAL segment: the probe overwrites, it never grows the file
      for (int i = 0; i < PAGES; i++) {
        ch.write(page.clear(), i * 8192L);
      }
      ch.force(true);
      long next = System.nanoTime();
      for (int i = 0; next < until; i++) {
        page.clear().putLong(0, next);
        long start = System.nanoTime();
        ch.write(page, (i % PAGES) * 8192L);
        ch.force(false);
        record(start, System.nanoTime() - start);
        next = Math.max(next + PERIOD_NANOS, System.nanoTime());
        long sleep = (next - System.nanoTime()) / 1_000_000;
        if (sleep > 0) {
          Thread.sleep(sleep);
        }
      }
    } catch (Exception e) {
      error = e.toString();
    }
  }

  private void record(long start, long nanos) {
    if (n == took.length) {
      startedAt = Arrays.copyOf(startedAt, n * 2);
      took = Arrays.copyOf(took, n * 2);
    }
    startedAt[n] = start;
    took[n++] = nanos;
  }

  /** Waits for the probe to finish (it stops by itself at its deadline). */
  DiskProbe finish() throws InterruptedException {
    join(Math.max(1, (until - System.nanoTime()) / 1_000_000) + 5_000);
    return this;
  }

  /** Whether the second starting at secondStart (System.nanoTime()) was undisturbed (see {@link #CALM_NANOS}). */
  boolean calmSecond(long secondStart) {
    return Math.max(maxBetween(secondStart - 1_000_000_000L, secondStart), maxBetween(secondStart, secondStart + 1_000_000_000L))
        <= CALM_NANOS;
  }

  /** Longest fsync that started in [from, to) (System.nanoTime()). */
  long maxBetween(long from, long to) {
    long max = 0;
    for (int i = 0; i < n; i++) {
      if (startedAt[i] >= from && startedAt[i] < to) {
        max = Math.max(max, took[i]);
      }
    }
    return max;
  }

  /** Distribution of the fsyncs that started in [from, to), and each one over 50 ms (s counted from `from`). */
  JsonObject toJson(long from, long to) {
    long[] in = new long[n];
    int k = 0;
    JsonArray stalls = new JsonArray();
    for (int i = 0; i < n; i++) {
      if (startedAt[i] >= from && startedAt[i] < to) {
        in[k++] = took[i];
        if (took[i] > STALL_NANOS) {
          stalls.add(new JsonObject().put("s", round((startedAt[i] - from) / 1e9, 2)).put("ms", round(took[i] / 1e6, 1)));
        }
      }
    }
    long[] v = Arrays.copyOf(in, k);
    Arrays.sort(v);
    JsonObject fsync = new JsonObject().put("count", k);
    if (k > 0) {
      fsync.put("p50", ms(v, 0.50)).put("p99", ms(v, 0.99)).put("max", round(v[k - 1] / 1e6, 3));
    }
    JsonObject j = new JsonObject()
        .put("definition", "8 KiB overwrite + fdatasync every 20 ms in a file on the data disk, during the measured window")
        .put("fsync_ms", fsync)
        .put("stalls_over_50ms", stalls);
    return error == null ? j : j.put("error", error);
  }

  private static double ms(long[] sorted, double q) {
    return round(sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6, 3);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
