import java.util.Arrays;

/**
 * Deliveries seen by the connections of one event loop (written from that loop only). Latency is
 * arrival minus the *scheduled* send time carried in the payload, for events scheduled inside the
 * measured window; the count of arrivals inside the window is what CPU per delivery divides by.
 * The window is set from the coordinating thread.
 */
final class Recorder {

  private volatile long from = Long.MAX_VALUE;
  private volatile long to = Long.MAX_VALUE;
  private long[] samples = new long[1 << 16];
  /** For each sample, the second of the window in which its event was scheduled. */
  private int[] seconds = new int[1 << 16];
  private int n;
  volatile long total;
  /** Deliveries of events scheduled in the window so far (for the coordinator to see when all arrived). */
  volatile long sampled;
  private long arrivedInWindow;
  private long errors;
  private String lastError;

  void window(long fromNanos, long toNanos) {
    from = fromNanos;
    to = toNanos;
  }

  void delivery(long sentAt) {
    long now = System.nanoTime();
    total++;
    if (now >= from && now < to) {
      arrivedInWindow++;
    }
    if (sentAt >= from && sentAt < to) {
      if (n == samples.length) {
        samples = Arrays.copyOf(samples, n * 2);
        seconds = Arrays.copyOf(seconds, n * 2);
      }
      seconds[n] = (int) ((sentAt - from) / 1_000_000_000L);
      samples[n++] = now - sentAt;
      sampled = n;
    }
  }

  void error(String why) {
    errors++;
    lastError = why;
  }

  /** A copy of the window's results, then cleared for the next window (call on the recorder's loop). */
  Snapshot take() {
    Snapshot s = new Snapshot(Arrays.copyOf(samples, n), Arrays.copyOf(seconds, n), arrivedInWindow, errors, lastError);
    n = 0;
    sampled = 0;
    arrivedInWindow = 0;
    errors = 0;
    lastError = null;
    from = Long.MAX_VALUE;
    to = Long.MAX_VALUE;
    return s;
  }

  record Snapshot(long[] latencies, int[] seconds, long arrivedInWindow, long errors, String lastError) {
  }
}
