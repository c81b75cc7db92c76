package dev.herald.journal;

import io.vertx.core.json.Json;
import java.time.Instant;

/**
 * A committed event. The data is kept as the JSON text that is stored, so publishing and
 * delivering never re-serialize it; how it travels is {@code wire.Frames}' business.
 */
public record Event(String channel, long seq, String id, String type, String dataJson, Instant ts) {

  /** The data as JSON values (JsonObject, JsonArray, String, Number, Boolean or null). */
  public Object data() {
    return dataJson == null ? null : Json.decodeValue(dataJson);
  }
}
