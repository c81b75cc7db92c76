package dev.herald.testing;

import java.util.Objects;
import java.util.function.Supplier;

/** Polls until what a user would observe reaches the expected value, or fails with the last value seen. */
public final class Eventually {

  private Eventually() {
  }

  public static <T> void equal(Supplier<T> actual, T expected) {
    long deadline = System.nanoTime() + Timeouts.SETTLE.toNanos();
    T last = actual.get();
    while (!Objects.equals(last, expected)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + expected + " within " + Timeouts.SETTLE + " but stayed " + last);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      last = actual.get();
    }
  }
}
