package dev.herald.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A token bucket: {@code burst} actions at once, refilled at {@code perSecond}. Thread-safe: a
 * user's bucket is shared by its sockets and REST calls, which run on different event loops.
 */
public final class RateLimiter {

  private final double burst;
  private final double perNano;
  private double tokens;
  private long last = System.nanoTime();

  public RateLimiter(int burst, double perSecond) {
    this.burst = burst;
    this.perNano = perSecond / 1e9;
    this.tokens = burst;
  }

  public RateLimiter(Rate rate) {
    this(rate.count(), rate.perSecond());
  }

  /** What /metrics counts of the 429s one API (rest, bridge) answered, whichever limit refused them. */
  public static Counter refusals(MeterRegistry registry, String api) {
    return Counter.builder("herald.rate.limited").description("Requests refused with 429 (rate or in-flight limits)")
        .tag("api", api).register(registry);
  }

  /** Takes one token, or throws a 429 naming what was limited and when to retry. */
  public void take(String what) {
    long wait = tryTake();
    if (wait > 0) {
      throw limited("too many " + what, wait);
    }
  }

  /** Takes one token and returns 0; or takes nothing and returns the nanoseconds until a token is there. */
  public synchronized long tryTake() {
    refill(System.nanoTime());
    if (tokens < 1) {
      return (long) Math.ceil((1 - tokens) / perNano);
    }
    tokens -= 1;
    return 0;
  }

  /** Whether the bucket has filled up again: it is then the same as a new one, and may be dropped. */
  public synchronized boolean full() {
    refill(System.nanoTime());
    return tokens >= burst;
  }

  private void refill(long now) {
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
  }

  /** The 429 for an action refused by a limit: {@code what} says which, the message and Retry-After say when to retry. */
  public static HeraldException limited(String what, long waitNanos) {
    long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    return HeraldException.rateLimited("rate_limited", what + "; retry in " + seconds + " s", seconds);
  }
}
