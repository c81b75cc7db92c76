package dev.herald.presence;

import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each of this node's sockets added to presence, so that a leave or a close takes back exactly
 * that: a socket counts once per channel, as a member (listed with its user's info) and/or a viewer,
 * and a user's typing flag belongs to the socket that last started it. Turns what sockets do into
 * changes of the node's own replica in {@link PresenceState}; plain data, like the state.
 */
final class LocalSockets {

  /** What one socket added on one channel, so it can be taken back exactly. */
  private record Tracked(String userId, boolean member, boolean viewer) {
  }

  private final PresenceState state;
  private final Map<String, Map<String, Tracked>> sockets = new HashMap<>();
  /** The socket whose typing frame set each local typing flag: its leave or close ends it. */
  private final Map<Key, String> typists = new HashMap<>();

  LocalSockets(PresenceState state) {
    this.state = state;
  }

  /** The socket subscribed to the channel; subscribing again replaces what it added before. */
  Changes join(String socketId, String channel, String userId, JsonObject info, boolean member, boolean viewer) {
    boolean again = sockets.getOrDefault(socketId, Map.of()).containsKey(channel);
    Changes changes = again ? leave(socketId, channel) : Changes.NONE;
    boolean asMember = member && userId != null;
    sockets.computeIfAbsent(socketId, s -> new HashMap<>()).put(channel, new Tracked(userId, asMember, viewer));
    if (asMember) {
      changes = changes.plus(state.changeLocal(new Key(channel, userId),
          e -> e.connections() == 0 ? new Entry(info, 1, e.typing()) : e.withConnections(e.connections() + 1)));
    }
    if (viewer) {
      changes = changes.plus(state.changeViewers(channel, +1));
    }
    return changes;
  }

  /** The socket left the channel; its typing there stops first, so subscribers see the stop before the leave. */
  Changes leave(String socketId, String channel) {
    Map<String, Tracked> mine = sockets.get(socketId);
    Tracked tracked = mine == null ? null : mine.remove(channel);
    if (mine != null && mine.isEmpty()) {
      sockets.remove(socketId);
    }
    if (tracked == null) {
      return Changes.NONE;
    }
    Changes changes = Changes.NONE;
    Key key = new Key(channel, tracked.userId());
    if (socketId.equals(typists.get(key))) {
      changes = stopTyping(key);
    }
    if (tracked.member()) {
      changes = changes.plus(state.changeLocal(key, e -> e.withConnections(e.connections() - 1)));
    }
    if (tracked.viewer()) {
      changes = changes.plus(state.changeViewers(channel, -1));
    }
    return changes;
  }

  /** The socket closed: it leaves every channel, and its typing stops even where it had not joined. */
  Changes leaveAll(String socketId) {
    Changes changes = Changes.NONE;
    for (String channel : List.copyOf(sockets.getOrDefault(socketId, Map.of()).keySet())) {
      changes = changes.plus(leave(socketId, channel));
    }
    List<Key> typed = typists.entrySet().stream().filter(e -> e.getValue().equals(socketId)).map(Map.Entry::getKey).toList();
    for (Key key : typed) {
      changes = changes.plus(stopTyping(key));
    }
    return changes;
  }

  /**
   * The user's info on the channel, as of {@code at}, for every connection of theirs through this
   * node; null when the socket is not a member there (not subscribed, or the namespace has no presence).
   */
  Changes update(String socketId, String channel, JsonObject info, long at) {
    Tracked tracked = sockets.getOrDefault(socketId, Map.of()).get(channel);
    if (tracked == null || !tracked.member()) {
      return null;
    }
    return state.changeLocal(new Key(channel, tracked.userId()), e -> e.withInfo(info, at));
  }

  /** Sets (or renews: the entry is sent again) the user's typing flag on behalf of the socket. */
  Changes startTyping(String socketId, Key key) {
    typists.put(key, socketId);
    return state.changeLocal(key, e -> e.withTyping(true));
  }

  /** Clears the user's typing flag, whichever socket set it; nothing when it was not set. */
  Changes stopTyping(Key key) {
    if (typists.remove(key) == null) {
      return Changes.NONE;
    }
    return state.changeLocal(key, e -> e.withTyping(false)).plus(Changes.typingEnded(key));
  }
}
