package dev.herald.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per user (by token subject) for one rate, on this node only: a user's sockets
 * and REST calls on another node have buckets of their own there. A bucket that has filled up
 * again is the same as a new one, so it is dropped, at most one period after the user's last
 * action, whether or not the user is still connected (and a user who reconnects gets no fresh
 * allowance): the map holds the users who acted within about the last period.
 */
public final class UserBuckets {

  private final Rate rate;
  private final ConcurrentHashMap<String, RateLimiter> buckets = new ConcurrentHashMap<>();
  private final long sweepEveryNanos;
  private volatile long nextSweep;

  public UserBuckets(Rate rate) {
    this.rate = rate;
    this.sweepEveryNanos = Math.max(rate.period().toNanos(), 1_000_000_000L);
    this.nextSweep = System.nanoTime() + sweepEveryNanos;
  }

  public Rate rate() {
    return rate;
  }

  /** Takes one of the user's tokens and returns 0; or takes nothing and returns the nanoseconds until one is there. */
  public long tryTake(String user) {
    long[] wait = new long[1];
    // in compute, so a sweep never drops a bucket between its lookup and the take
    buckets.compute(user, (u, bucket) -> {
      RateLimiter b = bucket == null ? new RateLimiter(rate) : bucket;
      wait[0] = b.tryTake();
      return b;
    });
    long now = System.nanoTime();
    if (now - nextSweep >= 0) {
      nextSweep = now + sweepEveryNanos;
      sweep();
    }
    return wait[0];
  }

  /** Drops the buckets that have filled up again. */
  public void sweep() {
    buckets.keySet().forEach(user -> buckets.computeIfPresent(user, (u, bucket) -> bucket.full() ? null : bucket));
  }

  /** How many users have a bucket (for tests and metrics). */
  public int size() {
    return buckets.size();
  }
}
