package dev.herald.core;

/**
 * A token bucket: {@code burst} actions at once, refilled at {@code perSecond}. One per socket and
 * kind of action; not thread-safe (a socket's frames are handled on its own event loop).
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

  /** Takes one token, or throws a 429 naming what was limited. */
  public void take(String what) {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens < 1) {
      throw new HeraldException(429, "rate_limited", "too many " + what + "; slow down");
    }
    tokens -= 1;
  }
}
