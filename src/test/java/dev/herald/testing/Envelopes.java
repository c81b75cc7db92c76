package dev.herald.testing;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reading event envelopes ({channel, seq, id, type, data, ts}) as delivered, stored or ephemeral. */
public final class Envelopes {

  private Envelopes() {
  }

  public static JsonObject data(JsonObject envelope) {
    return envelope.getJsonObject("data");
  }

  /** The user a presence or typing event is about. */
  public static String userId(JsonObject event) {
    return data(event).getString("userId");
  }

  /** The seqs of the envelopes, in order: a list of deliveries or a JsonArray of stored events. */
  public static List<Long> seqs(Iterable<?> envelopes) {
    List<Long> seqs = new ArrayList<>();
    for (Object envelope : envelopes) {
      seqs.add(((JsonObject) envelope).getLong("seq"));
    }
    return seqs;
  }
}
