package dev.herald.journal;

import dev.herald.core.Timestamps;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A committed event: what every subscriber of its channel receives, in this envelope. */
public record Event(String channel, long seq, String id, String type, Object data, Instant ts) {

  public JsonObject envelope() {
    return new JsonObject()
        .put("channel", channel)
        .put("seq", seq)
        .put("id", id)
        .put("type", type)
        .put("data", data)
        .put("ts", Timestamps.format(ts));
  }

  /** What the publisher is told: {channel, seq, id, ts}. */
  public JsonObject receipt() {
    return new JsonObject().put("channel", channel).put("seq", seq).put("id", id).put("ts", Timestamps.format(ts));
  }

  /** The bridge frame that delivers this event to a subscriber of its channel, encoded once. */
  public String frame() {
    return "{\"type\":\"rec\",\"address\":\"" + channel + "\",\"body\":" + envelope().encode() + "}";
  }
}
