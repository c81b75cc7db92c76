package dev.herald.core;

import java.time.Duration;

/**
 * A rate limit as config writes it: {@code "100/60s"} is 100 actions per 60 seconds, enforced as a
 * token bucket of 100 refilled at 100 per 60 s (so a burst of 100 is allowed, then one every 0.6 s).
 * An empty value (or {@code off}) is no limit.
 */
public record Rate(int count, Duration period) {

  public Rate {
    if (count < 1 || period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("a rate needs a positive count and period");
    }
  }

  /** The rate, or null for no limit; {@code where} names the config key in the error for a bad value. */
  public static Rate parse(Object value, String where) {
    String text = value == null ? "" : value.toString().trim();
    if (text.isEmpty() || text.equalsIgnoreCase("off")) {
      return null;
    }
    int slash = text.indexOf('/');
    try {
      if (slash < 1) {
        throw new IllegalArgumentException();
      }
      String per = text.substring(slash + 1).trim();
      // "10/s" reads as ten per second
      Duration period = Namespace.parseDuration(Character.isDigit(per.charAt(0)) ? per : "1" + per, where);
      return new Rate(Integer.parseInt(text.substring(0, slash).trim()), period);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + ": '" + text
          + "' is not a rate like 100/60s, 20/1s or 5/s (or empty: no limit)");
    }
  }

  double perSecond() {
    return count / (period.toNanos() / 1e9);
  }

  @Override
  public String toString() {
    long millis = period.toMillis();
    return count + " per " + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms");
  }
}
