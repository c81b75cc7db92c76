package dev.herald.presence;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import dev.herald.core.RateLimiter;
import dev.herald.module.BridgeSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Presence as callers ask for it, REST and bridge alike: who is here, how many watch, who types.
 * Each call checks, once, that the caller may subscribe to the channel and that the channel's
 * namespace has the feature on; typing also needs the socket to be subscribed to the channel.
 */
final class PresenceService {

  /** Typing frames cost every node work: a socket gets a fair share. */
  private static final Object TYPING_LIMIT = new Object();
  /** So do presence updates. */
  private static final Object UPDATE_LIMIT = new Object();

  private final PresenceTracker tracker;
  private final Namespaces namespaces;

  PresenceService(PresenceTracker tracker, Namespaces namespaces) {
    this.tracker = tracker;
    this.namespaces = namespaces;
  }

  /** {members:[{userId, info, connections}], count}. */
  Future<JsonObject> snapshot(Identity who, String channel) {
    namespaces.checkSubscribe(who, channel);
    namespaces.of(channel).requirePresence(channel);
    return tracker.snapshot(channel);
  }

  Future<Integer> viewers(Identity who, String channel) {
    namespaces.checkSubscribe(who, channel);
    namespaces.of(channel).requireViewers(channel);
    return tracker.viewers(channel);
  }

  /** typing.start / typing.stop to the channel's subscribers, for a user's socket. */
  Future<Void> typing(BridgeSession socket, Identity who, String channel, boolean on) {
    who.requireUser("typing");
    namespaces.checkSubscribe(who, channel);
    namespaces.of(channel).requireTyping(channel);
    if (!socket.subscribedTo(channel)) {
      // typing is about a room the user is in: a socket that does not watch the channel has no say in it
      throw new HeraldException(403, "not_subscribed", "subscribe to " + channel + " on this socket before sending typing there");
    }
    socket.attachment(TYPING_LIMIT, () -> new RateLimiter(10, 2)).take("typing frames");
    return tracker.typing(socket.id(), channel, who.subject(), on);
  }

  /**
   * The socket's user changes its info on the channel (a status: online / away / busy), told to
   * everyone there as presence.update; the socket must be a member of the channel.
   */
  Future<Void> update(BridgeSession socket, Identity who, String channel, Object info) {
    who.requireUser("presence");
    namespaces.checkSubscribe(who, channel);
    namespaces.of(channel).requirePresence(channel);
    JsonObject checked = PresenceSockets.info(who, info, "info");
    socket.attachment(UPDATE_LIMIT, () -> new RateLimiter(10, 1)).take("presence updates");
    return tracker.update(socket.id(), channel, checked);
  }

}
