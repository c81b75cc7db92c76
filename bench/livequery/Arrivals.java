import java.util.Arrays;

/** When each numbered write or publish reached a subscriber (System.nanoTime()); written on the subscriber's context only. */
final class Arrivals {

  private final long[] at;
  long duplicates;
  long outOfRange;

  Arrivals(int capacity) {
    at = new long[capacity];
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
