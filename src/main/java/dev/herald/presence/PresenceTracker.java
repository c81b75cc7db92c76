package dev.herald.presence;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.herald.core.OnContext;
import dev.herald.hub.Hub;
import dev.herald.presence.Replica.Entry;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Presence, typing and viewer counts for one node, Phoenix-Tracker style. The node owns the entries
 * of its own sockets ({@link #local}); changes are batched into versioned deltas published to the
 * other nodes, which keep a copy per node. A newcomer says hello and every node sends it its full
 * replica; a gap in a node's delta versions asks that node for its full replica again. When
 * Hazelcast reports a member gone, its replica is dropped and the leaves are emitted. Every node
 * computes the same merged view and tells its own local subscribers about changes, so join/leave
 * events never cross the cluster: only deltas do, a few bytes per change.
 */
public final class PresenceTracker extends VerticleBase {

  /** Every connected token holder is a member here: the "friend is online" channel. */
  public static final String ONLINE_CHANNEL = "presence:users";
  private static final String BUS = "herald.presence";
  static final long FLUSH_DELAY_MS = 10;
  static final long TYPING_TTL_MS = 5000;
  static final long VIEWERS_INTERVAL_MS = 1000;

  private final Hub hub;
  private final ClusterManager cluster;
  private Replica local;
  private final Map<String, Replica> remote = new HashMap<>();
  private final Set<String> departed = new HashSet<>();
  private final Set<String> syncRequested = new HashSet<>();
  private final Map<String, Map<String, Tracked>> sockets = new HashMap<>();
  private final Map<String, Typing> typing = new HashMap<>();
  private final Map<String, JsonObject> pendingMembers = new LinkedHashMap<>();
  private final Set<String> pendingViewers = new HashSet<>();
  private final Set<String> viewersDirty = new HashSet<>();
  private final Map<String, Integer> viewersSent = new HashMap<>();
  private long flushTimer = -1;
  private UUID membershipRegistration;

  /** What one socket added on one channel, so it can be taken back exactly. */
  private record Tracked(String userId, boolean member, boolean viewer) {
  }

  private record Typing(String socketId, long timer) {
  }

  /** The cluster-wide view of one user on one channel. */
  private record Merged(JsonObject info, int connections, boolean typing) {
  }

  public PresenceTracker(Hub hub, ClusterManager cluster) {
    this.hub = hub;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    local = new Replica(cluster == null ? "local" : cluster.getNodeId());
    vertx.setPeriodic(VIEWERS_INTERVAL_MS, t -> broadcastViewers());
    if (cluster == null) {
      return Future.succeededFuture();
    }
    membershipRegistration = ((HazelcastClusterManager) cluster).getHazelcastInstance().getCluster()
        .addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
            // the newcomer says hello itself once it listens
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            String node = vertxNodeId(event.getMember());
            context.runOnContext(v -> nodeGone(node));
          }
        });
    Future<Void> bus = vertx.eventBus().<JsonObject>consumer(BUS, this::onBroadcast).completion();
    Future<Void> direct = vertx.eventBus().<JsonObject>consumer(nodeAddress(local.nodeId), this::onDirect).completion();
    return Future.all(bus, direct).onSuccess(v ->
        vertx.eventBus().publish(BUS, new JsonObject().put("type", "hello").put("node", local.nodeId)));
  }

  @Override
  public Future<?> stop() {
    if (membershipRegistration != null) {
      ((HazelcastClusterManager) cluster).getHazelcastInstance().getCluster().removeMembershipListener(membershipRegistration);
    }
    return Future.succeededFuture();
  }

  /** vertx-hazelcast keeps the Vert.x node id as a member attribute, distinct from Hazelcast's member UUID. */
  static String vertxNodeId(Member member) {
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
    onContext(() -> {
      Map<String, Tracked> mine = sockets.computeIfAbsent(socketId, s -> new HashMap<>());
      if (mine.containsKey(channel)) {
        leaveOnContext(socketId, channel);
        mine = sockets.computeIfAbsent(socketId, s -> new HashMap<>());
      }
      boolean asMember = member && userId != null;
      mine.put(channel, new Tracked(userId, asMember, viewer));
      if (asMember) {
        changeLocal(channel, userId, e -> new Entry(e.connections() == 0 ? info : e.info(), e.connections() + 1, e.typing()));
      }
      if (viewer) {
        changeViewers(channel, +1);
      }
    });
  }

  public void leave(String socketId, String channel) {
    onContext(() -> leaveOnContext(socketId, channel));
  }

  public void leaveAll(String socketId) {
    onContext(() -> {
      Map<String, Tracked> mine = sockets.get(socketId);
      if (mine != null) {
        List.copyOf(mine.keySet()).forEach(channel -> leaveOnContext(socketId, channel));
      }
      typing.entrySet().stream().filter(e -> e.getValue().socketId().equals(socketId)).map(Map.Entry::getKey)
          .toList().forEach(this::stopTyping);
    });
  }

  /** Starts (or renews) or stops typing; a start expires by itself after 5 s without renewal. */
  public Future<Void> typing(String socketId, String channel, String userId, boolean on) {
    return onContext(() -> {
      String key = key(channel, userId);
      if (!on) {
        stopTyping(key);
        return null;
      }
      Typing previous = typing.remove(key);
      if (previous != null) {
        vertx.cancelTimer(previous.timer());
      }
      long timer = vertx.setTimer(TYPING_TTL_MS, t -> {
        Typing current = typing.get(key);
        if (current != null && current.timer() == t) {
          stopTyping(key);
        }
      });
      typing.put(key, new Typing(socketId, timer));
      changeLocal(channel, userId, e -> new Entry(e.info(), e.connections(), true));
      return null;
    });
  }

  /** {members:[{userId, info, connections}], count}, members sorted by userId. */
  public Future<JsonObject> snapshot(String channel) {
    return onContext(() -> {
      Map<String, Merged> users = new TreeMap<>();
      for (Replica r : replicas()) {
        r.users(channel).forEach((user, e) -> {
          if (e.connections() > 0) {
            users.merge(user, new Merged(e.info(), e.connections(), false),
                (a, b) -> new Merged(a.info(), a.connections() + b.connections(), false));
          }
        });
      }
      JsonArray members = new JsonArray();
      users.forEach((user, m) -> members.add(member(user, m.info(), m.connections())));
      return new JsonObject().put("members", members).put("count", members.size());
    });
  }

  public Future<Integer> viewers(String channel) {
    return onContext(() -> totalViewers(channel));
  }

  // ---- local changes ----

  private void leaveOnContext(String socketId, String channel) {
    Map<String, Tracked> mine = sockets.get(socketId);
    Tracked tracked = mine == null ? null : mine.remove(channel);
    if (mine != null && mine.isEmpty()) {
      sockets.remove(socketId);
    }
    if (tracked == null) {
      return;
    }
    if (tracked.userId() != null) {
      Typing t = typing.get(key(channel, tracked.userId()));
      if (t != null && t.socketId().equals(socketId)) {
        stopTyping(key(channel, tracked.userId()));
      }
    }
    if (tracked.member()) {
      changeLocal(channel, tracked.userId(), e -> new Entry(e.info(), e.connections() - 1, e.typing()));
    }
    if (tracked.viewer()) {
      changeViewers(channel, -1);
    }
  }

  private void stopTyping(String key) {
    Typing t = typing.remove(key);
    if (t != null) {
      vertx.cancelTimer(t.timer());
      String[] parts = key.split("\u0000", 2);
      changeLocal(parts[0], parts[1], e -> new Entry(e.info(), e.connections(), false));
    }
  }

  private void changeLocal(String channel, String userId, UnaryOperator<Entry> change) {
    Merged before = merged(channel, userId);
    Entry after = change.apply(local.get(channel, userId));
    local.put(channel, userId, after);
    pendingMembers.put(key(channel, userId), Replica.entryJson(channel, userId, after));
    scheduleFlush();
    announce(channel, userId, before, merged(channel, userId));
  }

  private void changeViewers(String channel, int delta) {
    local.setViewers(channel, local.viewers(channel) + delta);
    pendingViewers.add(channel);
    viewersDirty.add(channel);
    scheduleFlush();
  }

  private void scheduleFlush() {
    if (cluster == null) {
      pendingMembers.clear();
      pendingViewers.clear();
      return;
    }
    if (flushTimer < 0) {
      flushTimer = vertx.setTimer(FLUSH_DELAY_MS, t -> flush());
    }
  }

  /** Sends what changed since the last delta, as one message: the latest state of each entry. */
  private void flush() {
    flushTimer = -1;
    if (pendingMembers.isEmpty() && pendingViewers.isEmpty()) {
      return;
    }
    local.version++;
    JsonArray counts = new JsonArray();
    pendingViewers.forEach(channel -> counts.add(new JsonObject().put("c", channel).put("v", local.viewers(channel))));
    JsonObject delta = new JsonObject().put("type", "delta").put("node", local.nodeId).put("version", local.version)
        .put("members", new JsonArray(new ArrayList<>(pendingMembers.values()))).put("viewers", counts);
    pendingMembers.clear();
    pendingViewers.clear();
    vertx.eventBus().publish(BUS, delta);
  }

  // ---- other nodes ----

  private void onBroadcast(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    String node = body.getString("node");
    if (local.nodeId.equals(node) || departed.contains(node)) {
      return;
    }
    if ("hello".equals(body.getString("type"))) {
      sendFullReplica(node);
    } else if ("delta".equals(body.getString("type"))) {
      applyDelta(node, body);
    }
  }

  private void onDirect(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if ("sync".equals(body.getString("type"))) {
      sendFullReplica(body.getString("from"));
    } else if ("full".equals(body.getString("type"))) {
      String node = body.getString("node");
      Replica current = remote.get(node);
      syncRequested.remove(node);
      if (!departed.contains(node) && (current == null || current.version < body.getLong("version"))) {
        replaceRemote(node, Replica.fromJson(body));
      }
    }
  }

  private void sendFullReplica(String toNode) {
    vertx.eventBus().send(nodeAddress(toNode), local.toJson().put("type", "full"));
  }

  private void applyDelta(String node, JsonObject delta) {
    Replica r = remote.get(node);
    long version = delta.getLong("version");
    if (r == null || version != r.version + 1) {
      // never heard of it, or we missed a delta: ask for the whole replica (once at a time)
      if (syncRequested.add(node)) {
        vertx.eventBus().send(nodeAddress(node), new JsonObject().put("type", "sync").put("from", local.nodeId));
      }
      return;
    }
    r.version = version;
    delta.getJsonArray("members").forEach(o -> {
      JsonObject e = (JsonObject) o;
      String channel = e.getString("c");
      String user = e.getString("u");
      Merged before = merged(channel, user);
      r.put(channel, user, Replica.entryFrom(e));
      announce(channel, user, before, merged(channel, user));
    });
    delta.getJsonArray("viewers").forEach(o -> {
      JsonObject v = (JsonObject) o;
      r.setViewers(v.getString("c"), v.getInteger("v"));
      viewersDirty.add(v.getString("c"));
    });
  }

  /** Hazelcast dropped the member: its sockets are gone, and so is everything they stood for. */
  private void nodeGone(String node) {
    departed.add(node);
    syncRequested.remove(node);
    replaceRemote(node, null);
  }

  private void replaceRemote(String node, Replica next) {
    Replica previous = remote.get(node);
    Set<String> affected = new HashSet<>();
    Set<String> viewerChannels = new HashSet<>();
    for (Replica r : new Replica[] {previous, next}) {
      if (r != null) {
        r.allMembers().forEach((channel, users) -> users.keySet().forEach(user -> affected.add(key(channel, user))));
        viewerChannels.addAll(r.allViewers().keySet());
      }
    }
    Map<String, Merged> before = new HashMap<>();
    affected.forEach(k -> before.put(k, merged(channelOf(k), userOf(k))));
    if (next == null) {
      remote.remove(node);
    } else {
      remote.put(node, next);
    }
    affected.forEach(k -> announce(channelOf(k), userOf(k), before.get(k), merged(channelOf(k), userOf(k))));
    viewersDirty.addAll(viewerChannels);
  }

  // ---- the merged view and what local subscribers are told ----

  private Iterable<Replica> replicas() {
    List<Replica> all = new ArrayList<>(remote.values());
    all.add(local);
    return all;
  }

  private Merged merged(String channel, String userId) {
    JsonObject info = null;
    int connections = 0;
    boolean isTyping = false;
    for (Replica r : replicas()) {
      Entry e = r.get(channel, userId);
      connections += e.connections();
      isTyping |= e.typing();
      if (info == null && e.connections() > 0) {
        info = e.info();
      }
    }
    return new Merged(info, connections, isTyping);
  }

  private void announce(String channel, String userId, Merged before, Merged after) {
    if (before.connections() == 0 && after.connections() > 0) {
      emit(channel, "presence.join", member(userId, after.info(), after.connections()));
    } else if (before.connections() > 0 && after.connections() == 0) {
      emit(channel, "presence.leave", member(userId, before.info(), 0));
    }
    if (before.typing() != after.typing()) {
      emit(channel, after.typing() ? "typing.start" : "typing.stop", new JsonObject().put("userId", userId));
    }
  }

  /** At most once per second per channel, and only when the cluster-wide count changed. */
  private void broadcastViewers() {
    for (String channel : viewersDirty) {
      int count = totalViewers(channel);
      Integer sent = viewersSent.get(channel);
      if (sent == null || sent != count) {
        emit(channel, "viewers", new JsonObject().put("count", count));
      }
      if (count == 0) {
        viewersSent.remove(channel);
      } else {
        viewersSent.put(channel, count);
      }
    }
    viewersDirty.clear();
  }

  private int totalViewers(String channel) {
    int total = 0;
    for (Replica r : replicas()) {
      total += r.viewers(channel);
    }
    return total;
  }

  /** An ephemeral envelope (no seq, never stored) to this node's subscribers of the channel. */
  private void emit(String channel, String type, JsonObject data) {
    hub.deliverEphemeral(channel, Frames.ephemeral(channel, type, data));
  }

  private static JsonObject member(String userId, JsonObject info, int connections) {
    return new JsonObject().put("userId", userId).put("info", info == null ? new JsonObject() : info)
        .put("connections", connections);
  }

  private static String key(String channel, String userId) {
    return channel + '\u0000' + userId;
  }

  private static String channelOf(String key) {
    return key.substring(0, key.indexOf('\u0000'));
  }

  private static String userOf(String key) {
    return key.substring(key.indexOf('\u0000') + 1);
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
