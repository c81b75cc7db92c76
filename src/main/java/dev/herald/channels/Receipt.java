package dev.herald.channels;

import dev.herald.journal.Appended;
import dev.herald.wire.Frames;
import io.vertx.core.json.JsonObject;

/**
 * What a publisher is told about one event. A duplicate id on a channel the publisher may not read is
 * {@code withheld}: its receipt says only that the id is taken ({channel, id, duplicate: true}),
 * never the stored event's seq or ts, so nobody learns about events on a channel they cannot read.
 */
public record Receipt(Appended appended, boolean withheld) {

  public boolean duplicate() {
    return appended.duplicate();
  }

  /** The receipt as JSON text: {channel, seq, id, ts}, or the withheld form. */
  public String json() {
    if (withheld) {
      return new JsonObject().put("channel", appended.event().channel()).put("id", appended.event().id())
          .put("duplicate", true).encode();
    }
    return Frames.receipt(appended.event());
  }
}
