package dev.herald.bridge;

import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonObject;

/** Frames of the Vert.x event-bus bridge protocol that Herald sends. */
final class Frames {

  private Frames() {
  }

  static String rec(String address, Object body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body).encode();
  }

  /** An error; address is the replyAddress of a send, the channel of a register, or null when unknown. */
  static String err(String address, HeraldException e) {
    JsonObject frame = new JsonObject().put("type", "err");
    if (address != null) {
      frame.put("address", address);
    }
    return frame.put("failureCode", e.status())
        .put("failureType", "RECIPIENT_FAILURE")
        .put("message", e.code() + ": " + e.getMessage())
        .encode();
  }
}
