package dev.herald.journal;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** A committed event: what every subscriber of its channel receives, in this envelope. */
public record Event(String channel, long seq, String id, String type, Object data, Instant ts) {

  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  public JsonObject envelope() {
    return new JsonObject()
        .put("channel", channel)
        .put("seq", seq)
        .put("id", id)
        .put("type", type)
        .put("data", data)
        .put("ts", TS.format(ts));
  }

  /** What the publisher is told: {channel, seq, id, ts}. */
  public JsonObject receipt() {
    return new JsonObject().put("channel", channel).put("seq", seq).put("id", id).put("ts", TS.format(ts));
  }

  /** The bridge frame that delivers this event to a subscriber of its channel, encoded once. */
  public String frame() {
    return "{\"type\":\"rec\",\"address\":\"" + channel + "\",\"body\":" + envelope().encode() + "}";
  }
}
