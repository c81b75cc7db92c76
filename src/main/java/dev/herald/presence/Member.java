package dev.herald.presence;

import io.vertx.core.json.JsonObject;

/** A user as presence lists it: the info of its first connection and its connections cluster-wide. */
record Member(String userId, JsonObject info, int connections) {

  Member {
    info = info == null ? new JsonObject() : info;
  }

  /** {userId, info, connections}: the data of presence.join and presence.leave, and a snapshot's member. */
  JsonObject toJson() {
    return new JsonObject().put("userId", userId).put("info", info).put("connections", connections);
  }
}
