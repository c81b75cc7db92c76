package dev.herald.presence;

import io.vertx.core.json.JsonObject;

/**
 * What this node's subscribers of a channel must be told about presence: the type and data of an
 * ephemeral envelope. Events come from the merged view, which every node computes alike, so each
 * node tells only its own subscribers and no event crosses the cluster.
 */
sealed interface PresenceEvent {

  String channel();

  String type();

  JsonObject data();

  /** A member's arrival, departure or change: its data is the member as presence lists it. */
  sealed interface MemberEvent extends PresenceEvent {
    Member member();

    @Override
    default JsonObject data() {
      return member().toJson();
    }
  }

  /** The user's first connection anywhere in the cluster. */
  record Join(String channel, Member member) implements MemberEvent {
    @Override
    public String type() {
      return "presence.join";
    }
  }

  /** The user's last connection anywhere in the cluster is gone; {@code member} keeps its last info. */
  record Leave(String channel, Member member) implements MemberEvent {
    @Override
    public String type() {
      return "presence.leave";
    }
  }

  /** A user who stays changed its info (herald.presence.update: a status, say). */
  record Update(String channel, Member member) implements MemberEvent {
    @Override
    public String type() {
      return "presence.update";
    }
  }

  /** Whether the user types on some node changed. */
  record Typing(String channel, String userId, boolean on) implements PresenceEvent {
    @Override
    public String type() {
      return on ? "typing.start" : "typing.stop";
    }

    @Override
    public JsonObject data() {
      return new JsonObject().put("userId", userId);
    }
  }
}
