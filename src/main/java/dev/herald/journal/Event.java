package dev.herald.journal;

import dev.herald.core.JsonText;
import dev.herald.core.Timestamps;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A committed event: what every subscriber of its channel receives, in this envelope. The data is
 * kept as the JSON text that is stored, so publishing and delivering never re-serialize it.
 */
public record Event(String channel, long seq, String id, String type, String dataJson, Instant ts) {

  /** The data as JSON values (JsonObject, JsonArray, String, Number, Boolean or null). */
  public Object data() {
    return dataJson == null ? null : Json.decodeValue(dataJson);
  }

  /** {channel, seq, id, type, data, ts} as JSON text. */
  public String envelopeJson() {
    StringBuilder out = new StringBuilder(96 + (dataJson == null ? 4 : dataJson.length()));
    return appendEnvelope(out).toString();
  }

  public JsonObject envelope() {
    return new JsonObject(envelopeJson());
  }

  /** What the publisher is told: {channel, seq, id, ts}, as JSON text. */
  public String receiptJson() {
    return appendHead(new StringBuilder(96)).append(",\"ts\":\"").append(Timestamps.format(ts)).append("\"}").toString();
  }

  public JsonObject receipt() {
    return new JsonObject(receiptJson());
  }

  /** The bridge frame that delivers this event to a subscriber of its channel, encoded once. */
  public String frame() {
    StringBuilder out = new StringBuilder(128 + channel.length() + (dataJson == null ? 4 : dataJson.length()));
    JsonText.string(out.append("{\"type\":\"rec\",\"address\":"), channel).append(",\"body\":");
    return appendEnvelope(out).append('}').toString();
  }

  private StringBuilder appendEnvelope(StringBuilder out) {
    appendHead(out).append(",\"type\":");
    JsonText.string(out, type).append(",\"data\":").append(dataJson == null ? "null" : dataJson);
    return out.append(",\"ts\":\"").append(Timestamps.format(ts)).append("\"}");
  }

  private StringBuilder appendHead(StringBuilder out) {
    JsonText.string(out.append("{\"channel\":"), channel).append(",\"seq\":").append(seq).append(",\"id\":");
    return JsonText.string(out, id);
  }
}
