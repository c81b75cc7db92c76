package dev.herald.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The one timestamp format of envelopes: UTC, milliseconds, e.g. 2026-11-23T10:00:00.123Z. */
public final class Timestamps {

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Every event of a commit shares one timestamp: formatting it once serves the whole group. */
  private static volatile Formatted last = new Formatted(Instant.EPOCH, FORMAT.format(Instant.EPOCH));

  private record Formatted(Instant instant, String text) {
  }

  private Timestamps() {
  }

  public static String format(Instant instant) {
    Formatted cached = last;
    if (cached.instant.equals(instant)) {
      return cached.text;
    }
    String text = FORMAT.format(instant);
    last = new Formatted(instant, text);
    return text;
  }
}
