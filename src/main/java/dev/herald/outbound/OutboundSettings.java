package dev.herald.outbound;

import dev.herald.core.Namespace;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Where and how offline users' notifications go out (herald.yaml {@code outbound:}); null url: off. */
record OutboundSettings(URI url, byte[] secret, int maxAttempts, Duration backoffMin, Duration backoffMax, Duration timeout) {

  static OutboundSettings parse(JsonObject conf) {
    String url = conf.getString("url", "");
    String secret = conf.getString("secret", "");
    if (!url.isBlank() && secret.isBlank()) {
      throw new IllegalArgumentException("outbound.secret (HERALD_OUTBOUND_SECRET) is required when outbound.url is set: "
          + "receivers check the signature");
    }
    URI uri = url.isBlank() ? null : URI.create(url);
    if (uri != null && !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("outbound.url must be an http or https URL");
    }
    int maxAttempts = conf.getInteger("maxAttempts", 8);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("outbound.maxAttempts must be at least 1");
    }
    return new OutboundSettings(uri, secret.getBytes(StandardCharsets.UTF_8), maxAttempts,
        duration(conf, "backoffMin", "1s"), duration(conf, "backoffMax", "5m"), duration(conf, "timeout", "10s"));
  }

  boolean enabled() {
    return url != null;
  }

  /**
   * How long after its {@code attempt}-th failure a delivery waits: backoffMin doubling per attempt up
   * to backoffMax, plus a random half of that again (so that receivers coming back are not hit by
   * every sender at once), never less than the backoff itself.
   */
  Duration backoff(int attempt) {
    long min = backoffMin.toMillis();
    long base = Math.min(backoffMax.toMillis(), min << Math.min(30, Math.max(0, attempt - 1)));
    return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }

  private static Duration duration(JsonObject conf, String key, String fallback) {
    return Namespace.parseDuration(conf.getValue(key, fallback).toString(), "outbound." + key);
  }

  @Override
  public String toString() {
    return "OutboundSettings[" + url + "]";
  }
}
