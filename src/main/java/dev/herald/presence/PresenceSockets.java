package dev.herald.presence;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.Namespaces;
import dev.herald.core.RateLimiter;
import dev.herald.module.BridgeSession;
import dev.herald.module.SocketListener;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What bridge sockets mean for presence: a token holder subscribing to a namespace with presence
 * joins it (and counts as a viewer where viewer counts are on), leaving or closing takes that back,
 * and a subscription that changes hands (herald.auth, an expired token) moves its entry to the new
 * user. Every socket of a token holder is a member of {@code presence:users} while its identity
 * lasts, whether or not it watches that channel: subscribing to it or leaving it changes nothing there.
 */
final class PresenceSockets implements SocketListener {

  /** Presence info given on register (headers.info) may be this large, encoded. */
  static final int MAX_INFO_BYTES = 1024;
  /** Floods of joins and leaves cost every node work: a socket gets a fair share. */
  private static final Object JOIN_LIMIT = new Object();

  private final PresenceTracker tracker;
  private final Namespaces namespaces;

  PresenceSockets(PresenceTracker tracker, Namespaces namespaces) {
    this.tracker = tracker;
    this.namespaces = namespaces;
  }

  @Override
  public void subscribing(BridgeSession socket, Identity who, String channel, JsonObject headers) {
    if (isOnlineList(channel)) {
      return;
    }
    Namespace ns = namespaces.of(channel);
    if (ns.presence()) {
      presenceInfo(who, headers); // refuse bad info before subscribing
    }
    if (ns.presence() || ns.viewers()) {
      socket.attachment(JOIN_LIMIT, () -> new RateLimiter(30, 10)).take("presence joins");
    }
  }

  @Override
  public void subscribed(BridgeSession socket, Identity who, String channel, JsonObject headers) {
    join(socket, who, channel, headers);
  }

  @Override
  public void left(BridgeSession socket, String channel) {
    if (!isOnlineList(channel)) {
      tracker.leave(socket.id(), channel);
    }
  }

  /**
   * The subscription's entry moves to the new user (joining again replaces what the socket added).
   * Its info comes from the new token alone: headers.info was given for the user before.
   */
  @Override
  public void reidentified(BridgeSession socket, String channel, Identity before, Identity after) {
    if (!Objects.equals(before.subject(), after.subject())) {
      join(socket, after, channel, new JsonObject());
    }
  }

  @Override
  public void closed(BridgeSession socket) {
    tracker.leaveAll(socket.id());
  }

  @Override
  public void identityChanged(BridgeSession socket, Identity before, Identity after) {
    if (Objects.equals(before.subject(), after.subject())) {
      return;
    }
    tracker.leave(socket.id(), PresenceTracker.ONLINE_CHANNEL);
    if (after.subject() != null) {
      tracker.join(socket.id(), PresenceTracker.ONLINE_CHANNEL, after.subject(), claimInfo(after), true, false);
    }
  }

  private void join(BridgeSession socket, Identity who, String channel, JsonObject headers) {
    Namespace ns = namespaces.of(channel);
    if (!isOnlineList(channel) && (ns.presence() || ns.viewers())) {
      JsonObject info = ns.presence() ? presenceInfo(who, headers) : null;
      tracker.join(socket.id(), channel, who.subject(), info, ns.presence(), ns.viewers());
    }
  }

  /** Membership of presence:users follows the socket's identity ({@link #identityChanged}), never its subscriptions. */
  private static boolean isOnlineList(String channel) {
    return PresenceTracker.ONLINE_CHANNEL.equals(channel);
  }

  private static JsonObject presenceInfo(Identity who, JsonObject headers) {
    return info(who, headers.getValue("info"), "headers.info");
  }

  /**
   * Info a client gives ({@code where}: a small JSON object, measured in UTF-8 bytes) if any, with
   * what the token signs about its user on top: a client may add to the signed name, never replace it.
   */
  static JsonObject info(Identity who, Object given, String where) {
    if (given == null) {
      return claimInfo(who);
    }
    if (!(given instanceof JsonObject info)) {
      throw HeraldException.badRequest("invalid_info", where + " must be a JSON object");
    }
    int bytes = info.encode().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_INFO_BYTES) {
      throw HeraldException.tooLarge(where + " is " + bytes + " bytes (UTF-8), over the limit of " + MAX_INFO_BYTES);
    }
    return info.copy().mergeIn(claimInfo(who));
  }

  private static JsonObject claimInfo(Identity who) {
    JsonObject claims = who.claims();
    if (claims.getValue("info") instanceof JsonObject info) {
      return info;
    }
    return claims.getValue("name") instanceof String name ? new JsonObject().put("name", name) : new JsonObject();
  }
}
