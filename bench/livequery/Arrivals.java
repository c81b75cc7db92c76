import java.util.Arrays;

/** When each numbered write or publish reached a subscriber (System.nanoTime()); written on the subscriber's context only. */
final class Arrivals {

  private final long[] at;
  /** Per arrival, nanoseconds since the server stamped the envelope's ts (ms precision); only where recorded. */
  private final long[] sinceStamp;
  long duplicates;
  long outOfRange;

  Arrivals(int capacity) {
    at = new long[capacity];
    sinceStamp = new long[capacity];
  }

  /** The frame's envelope ts (ISO, ms) and the wall clock now: how long since the server built the envelope. */
  void stamped(long i, java.time.Instant ts) {
    if (i >= 0 && i < at.length) {
      java.time.Instant now = java.time.Instant.now();
      sinceStamp[(int) i] = (now.getEpochSecond() - ts.getEpochSecond()) * 1_000_000_000L + now.getNano() - ts.getNano();
    }
  }

  long[] sinceStampCopy() {
    return Arrays.copyOf(sinceStamp, sinceStamp.length);
  }

  void arrived(long i) {
    long now = System.nanoTime();
    if (i < 0 || i >= at.length) {
      outOfRange++;
    } else if (at[(int) i] != 0) {
      duplicates++;
    } else {
      at[(int) i] = now;
    }
  }

  boolean has(long i) {
    return at[(int) i] != 0;
  }

  long[] copy() {
    return Arrays.copyOf(at, at.length);
  }
}
