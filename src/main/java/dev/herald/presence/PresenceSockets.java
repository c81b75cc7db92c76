package dev.herald.presence;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.Namespaces;
import dev.herald.core.RateLimiter;
import dev.herald.module.BridgeSession;
import dev.herald.module.SocketListener;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What bridge sockets mean for presence: a token holder subscribing to a namespace with presence
 * joins it (and counts as a viewer where viewer counts are on), leaving or closing takes that back,
 * and every socket of a token holder is a member of {@code presence:users} while it is open.
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
    Namespace ns = namespaces.of(channel);
    if (ns.presence() || ns.viewers()) {
      JsonObject info = ns.presence() ? presenceInfo(who, headers) : null;
      tracker.join(socket.id(), channel, who.subject(), info, ns.presence(), ns.viewers());
    }
  }

  @Override
  public void left(BridgeSession socket, String channel) {
    tracker.leave(socket.id(), channel);
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

  /** headers.info (a small JSON object) if given, else what the token says about its user. */
  private static JsonObject presenceInfo(Identity who, JsonObject headers) {
    Object given = headers.getValue("info");
    if (given == null) {
      return claimInfo(who);
    }
    if (!(given instanceof JsonObject info)) {
      throw HeraldException.badRequest("invalid_info", "headers.info must be a JSON object");
    }
    if (info.encode().length() > MAX_INFO_BYTES) {
      throw HeraldException.tooLarge("headers.info is over " + MAX_INFO_BYTES + " bytes");
    }
    return info;
  }

  private static JsonObject claimInfo(Identity who) {
    JsonObject claims = who.claims();
    if (claims.getValue("info") instanceof JsonObject info) {
      return info;
    }
    return claims.getValue("name") instanceof String name ? new JsonObject().put("name", name) : new JsonObject();
  }
}
