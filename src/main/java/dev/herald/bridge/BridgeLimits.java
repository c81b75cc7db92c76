package dev.herald.bridge;

import dev.herald.core.Namespace;
import dev.herald.core.Rate;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The bridge's abuse limits, from the {@code limits} section of herald.yaml: requests a socket may
 * have in flight, how long a socket may stay over its backlog bound unread, inbound frame rates,
 * how many 429s make a socket abusive, and caps on sockets per address and per user (0: none).
 */
record BridgeLimits(int requestsInFlight, Duration slowSocketGrace, Rate framesPerSocket, Rate framesPerUser,
    Rate violations, int socketsPerIp, int socketsPerUser) {

  static BridgeLimits from(JsonObject conf) {
    return new BridgeLimits(
        positive(conf, "requestsInFlight", 32),
        Namespace.parseDuration(conf.getValue("slowSocketGrace", "60s").toString(), "limits.slowSocketGrace"),
        Rate.parse(conf.getValue("framesPerSocket"), "limits.framesPerSocket"),
        Rate.parse(conf.getValue("framesPerUser"), "limits.framesPerUser"),
        Rate.parse(conf.getValue("violations", "50/10s"), "limits.violations"),
        atLeastZero(conf, "socketsPerIp"),
        atLeastZero(conf, "socketsPerUser"));
  }

  private static int positive(JsonObject conf, String key, int fallback) {
    int value = number(conf, key, fallback);
    if (value < 1) {
      throw new IllegalArgumentException("limits." + key + " must be at least 1");
    }
    return value;
  }

  private static int atLeastZero(JsonObject conf, String key) {
    int value = number(conf, key, 0);
    if (value < 0) {
      throw new IllegalArgumentException("limits." + key + " must be 0 (no cap) or more");
    }
    return value;
  }

  private static int number(JsonObject conf, String key, int fallback) {
    String text = String.valueOf(conf.getValue(key, fallback)).trim();
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limits." + key + ": '" + text + "' is not a whole number");
    }
  }
}
