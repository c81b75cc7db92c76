package dev.herald.wire;

import dev.herald.core.HeraldException;
import dev.herald.core.JsonText;
import dev.herald.core.Timestamps;
import dev.herald.journal.Event;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Herald's wire format, in one place: the envelope every subscriber of a channel receives, the
 * receipt a publisher gets, and the Vert.x event-bus bridge frames that carry them ({@code rec},
 * {@code err}). Envelopes of stored events are written as JSON text around the stored data text,
 * never rebuilt as maps and serialized again: this runs once per event per node on the hot path.
 */
public final class Frames {

  /** The type of {@link #truncated}'s envelope; Herald's own, like the other ephemeral types. */
  public static final String HISTORY_TRUNCATED = "history.truncated";

  private Frames() {
  }

  /** A stored event as subscribers and history readers see it: {channel, seq, id, type, data, ts}. */
  public static String envelope(Event e) {
    StringBuilder out = new StringBuilder(96 + dataLength(e));
    return appendEnvelope(out, e).toString();
  }

  /** What the publisher is told: {channel, seq, id, ts}. */
  public static String receipt(Event e) {
    return appendHead(new StringBuilder(96), e).append(",\"ts\":\"").append(Timestamps.format(e.ts())).append("\"}").toString();
  }

  /** The bridge frame that delivers a stored event to a subscriber of its channel, encoded once per cluster. */
  public static String delivery(Event e) {
    StringBuilder out = new StringBuilder(128 + e.channel().length() + dataLength(e));
    JsonText.string(out.append("{\"type\":\"rec\",\"address\":"), e.channel()).append(",\"body\":");
    return appendEnvelope(out, e).append('}').toString();
  }

  /**
   * A frame for an event Herald itself emits on a channel (presence, typing, viewers, aggregate
   * snapshots): the same envelope without seq or id, never stored.
   */
  public static EncodedFrame ephemeral(String channel, String type, JsonObject data) {
    JsonObject envelope = new JsonObject().put("channel", channel).put("type", type).put("data", data)
        .put("ts", Timestamps.format(Instant.now()));
    return EncodedFrame.ofText(rec(channel, envelope));
  }

  /**
   * Tells one subscriber that events it would have had next are no longer stored (retention trimmed
   * them): the next event it gets is {@code firstSeq} or later, none before. An ephemeral envelope,
   * never stored, written to that subscriber only, before the first kept event it then receives.
   */
  public static EncodedFrame truncated(String channel, long firstSeq) {
    return ephemeral(channel, HISTORY_TRUNCATED, new JsonObject().put("firstSeq", firstSeq));
  }

  /** A reply (or any message) to one address on one socket. */
  public static String rec(String address, Object body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body).encode();
  }

  /**
   * An error; address is the replyAddress of a send, the channel of a register, or null when
   * unknown. A rate-limited one (429) says when to try again, in seconds ({@code retryAfter}), as
   * REST's Retry-After does; a conflict carries what REST's answer carries beside its error
   * ({@code current}: the document as it is).
   */
  public static String err(String address, HeraldException e) {
    JsonObject frame = new JsonObject().put("type", "err");
    if (address != null) {
      frame.put("address", address);
    }
    frame.put("failureCode", e.status())
        .put("failureType", "RECIPIENT_FAILURE")
        .put("message", e.code() + ": " + e.getMessage());
    if (e.retryAfterSeconds() > 0) {
      frame.put("retryAfter", e.retryAfterSeconds());
    }
    if (e.details() != null) { // what REST puts beside "error" (a 409's current document)
      e.details().forEach(field -> frame.getMap().putIfAbsent(field.getKey(), field.getValue()));
    }
    return frame.encode();
  }

  private static int dataLength(Event e) {
    return e.dataJson() == null ? 4 : e.dataJson().length();
  }

  private static StringBuilder appendEnvelope(StringBuilder out, Event e) {
    appendHead(out, e).append(",\"type\":");
    JsonText.string(out, e.type()).append(",\"data\":").append(e.dataJson() == null ? "null" : e.dataJson());
    return out.append(",\"ts\":\"").append(Timestamps.format(e.ts())).append("\"}");
  }

  private static StringBuilder appendHead(StringBuilder out, Event e) {
    JsonText.string(out.append("{\"channel\":"), e.channel()).append(",\"seq\":").append(e.seq()).append(",\"id\":");
    return JsonText.string(out, e.id());
  }
}
