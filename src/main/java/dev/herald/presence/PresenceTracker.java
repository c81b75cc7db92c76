package dev.herald.presence;

import dev.herald.core.ClusterMembers;
import dev.herald.core.HeraldException;
import dev.herald.core.OnContext;
import dev.herald.hub.Hub;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Presence, typing and viewer counts for one node, Phoenix-Tracker style: this verticle is the
 * process around the plain state ({@link PresenceState}, {@link LocalSockets}) and the replica
 * protocol ({@link ReplicaSync}). It confines them to its own context, runs the timers (10 ms delta
 * batching, 5 s typing expiry, 1 s viewer counts), carries the protocol over the event bus, hears
 * Hazelcast drop members, and tells this node's subscribers what each change means. Only deltas
 * cross the cluster, a few bytes per change; join and leave events never do.
 */
public final class PresenceTracker extends VerticleBase {

  /** Every connected token holder is a member here: the "friend is online" channel. */
  public static final String ONLINE_CHANNEL = "presence:users";
  /** When a starting node says hello again (ms): a hello said while the cluster forms may reach nobody. */
  private static final long[] HELLO_AGAIN_MS = {1000, 5000};
  private static final String BUS = "herald.presence";
  static final long FLUSH_DELAY_MS = 10;
  static final long TYPING_TTL_MS = 5000;
  static final long VIEWERS_INTERVAL_MS = 1000;

  private final Hub hub;
  private final ClusterManager cluster;
  private PresenceState state;
  private LocalSockets sockets;
  /** Absent when the node runs alone: there is nobody to replicate to. */
  private ReplicaSync sync;
  private final ViewerBroadcasts viewerBroadcasts = new ViewerBroadcasts();
  /** The timer that ends each typing flag this node set, unless renewed first. */
  private final Map<Key, Long> typingExpiry = new HashMap<>();
  private long flushTimer = -1;
  private Runnable stopWatchingMembers = () -> { };

  public PresenceTracker(Hub hub, ClusterManager cluster) {
    this.hub = hub;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    state = new PresenceState(cluster == null ? "local" : cluster.getNodeId());
    sockets = new LocalSockets(state);
    vertx.setPeriodic(VIEWERS_INTERVAL_MS, t -> broadcastViewers());
    if (cluster == null) {
      return Future.succeededFuture();
    }
    sync = new ReplicaSync(state, new ReplicaSync.Transport() {
      @Override
      public void publish(JsonObject message) {
        vertx.eventBus().publish(BUS, message);
      }

      @Override
      public void send(String node, JsonObject message) {
        vertx.eventBus().send(nodeAddress(node), message);
      }
    });
    stopWatchingMembers = ClusterMembers.whenMemberLeaves(cluster,
        member -> OnContext.run(context, () -> act(sync.nodeGone(vertxNodeId(member)))));
    Future<Void> bus = vertx.eventBus().<JsonObject>consumer(BUS, msg -> act(sync.received(msg.body()))).completion();
    Future<Void> direct = vertx.eventBus().<JsonObject>consumer(nodeAddress(state.local().nodeId()),
        msg -> act(sync.receivedDirect(msg.body()))).completion();
    vertx.setPeriodic(ReplicaSync.SYNC_RETRY_NANOS / 1_000_000, t -> sync.retryOverdue());
    return Future.all(bus, direct).onSuccess(v -> {
      sync.hello();
      for (long later : HELLO_AGAIN_MS) {
        vertx.setTimer(later, t -> sync.hello());
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopWatchingMembers.run();
    return Future.succeededFuture();
  }

  /** vertx-hazelcast keeps the Vert.x node id as a member attribute, distinct from Hazelcast's member UUID. */
  static String vertxNodeId(com.hazelcast.cluster.Member member) {
    String id = member.getAttribute("__vertx.nodeId");
    return id != null ? id : member.getUuid().toString();
  }

  static String nodeAddress(String nodeId) {
    return BUS + ".node." + nodeId;
  }

  // ---- what sockets do (any thread) ----

  /**
   * Socket {@code socketId} subscribed to {@code channel}: as a member (listed with its user's
   * info) and/or as a viewer (counted).
   */
  public void join(String socketId, String channel, String userId, JsonObject info, boolean member, boolean viewer) {
    onContext(() -> actLocally(sockets.join(socketId, channel, userId, info, member, viewer)));
  }

  public void leave(String socketId, String channel) {
    onContext(() -> actLocally(sockets.leave(socketId, channel)));
  }

  public void leaveAll(String socketId) {
    onContext(() -> actLocally(sockets.leaveAll(socketId)));
  }

  /** Starts (or renews) or stops typing; a start expires by itself after 5 s without renewal. */
  public Future<Void> typing(String socketId, String channel, String userId, boolean on) {
    return onContext(() -> {
      Key key = new Key(channel, userId);
      if (on) {
        expireTypingLater(key);
        actLocally(sockets.startTyping(socketId, key));
      } else {
        actLocally(sockets.stopTyping(key));
      }
      return null;
    });
  }

  /**
   * The socket's user changes its info on the channel (presence.update to everyone there); fails
   * with 403 not_subscribed when the socket is not a member of the channel.
   */
  public Future<Void> update(String socketId, String channel, JsonObject info) {
    return onContext(() -> {
      Changes changes = sockets.update(socketId, channel, info, System.currentTimeMillis());
      if (changes == null) {
        throw new HeraldException(403, "not_subscribed", "subscribe to " + channel + " on this socket before changing your presence there");
      }
      actLocally(changes);
      return null;
    });
  }

  /** {members:[{userId, info, connections}], count}, members sorted by userId. */
  public Future<JsonObject> snapshot(String channel) {
    return onContext(() -> {
      JsonArray members = new JsonArray();
      state.members(channel).forEach(m -> members.add(m.toJson()));
      return new JsonObject().put("members", members).put("count", members.size());
    });
  }

  /** Which of these users have a socket open with their token on some node of the cluster. */
  public Future<Set<String>> online(Collection<String> users) {
    return onContext(() -> {
      Set<String> online = new HashSet<>();
      for (Member m : state.members(ONLINE_CHANNEL)) {
        if (users.contains(m.userId())) {
          online.add(m.userId());
        }
      }
      return online;
    });
  }

  public Future<Integer> viewers(String channel) {
    return onContext(() -> state.viewers(channel));
  }

  // ---- acting on changes ----

  private void expireTypingLater(Key key) {
    cancelTypingExpiry(key);
    typingExpiry.put(key, vertx.setTimer(TYPING_TTL_MS, t -> {
      Long current = typingExpiry.get(key);
      if (current != null && current == t) {
        actLocally(sockets.stopTyping(key));
      }
    }));
  }

  /** A change of this node's own replica also goes to the other nodes, in the next delta. */
  private void actLocally(Changes changes) {
    if (sync != null && sync.queue(changes) && flushTimer < 0) {
      flushTimer = vertx.setTimer(FLUSH_DELAY_MS, t -> {
        flushTimer = -1;
        sync.flush();
      });
    }
    act(changes);
  }

  /** Tells this node's subscribers what changed; viewer counts wait for the tick. */
  private void act(Changes changes) {
    changes.events().forEach(e -> emit(e.channel(), e.type(), e.data()));
    viewerBroadcasts.changed(changes.viewerChannels());
    changes.typingEnded().forEach(this::cancelTypingExpiry);
  }

  private void cancelTypingExpiry(Key key) {
    Long timer = typingExpiry.remove(key);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** At most once per second per channel, and only when the cluster-wide count changed. */
  private void broadcastViewers() {
    viewerBroadcasts.tick(state::viewers)
        .forEach((channel, count) -> emit(channel, "viewers", new JsonObject().put("count", count)));
  }

  /** An ephemeral envelope (no seq, never stored) to this node's subscribers of the channel. */
  private void emit(String channel, String type, JsonObject data) {
    hub.deliverEphemeral(channel, Frames.ephemeral(channel, type, data));
  }

  private void onContext(Runnable action) {
    onContext(() -> {
      action.run();
      return null;
    });
  }

  private <T> Future<T> onContext(Supplier<T> action) {
    return OnContext.call(context, () -> Future.succeededFuture(action.get()));
  }
}
