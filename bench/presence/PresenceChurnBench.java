import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Presence churn across a 3-node Herald cluster (issue #4).
 *
 * <p>A pool of user sockets (one user per socket, spread round-robin over the nodes) joins and
 * leaves {@code chat:} rooms by register/unregister frames, open-loop paced at {@code --rate}
 * actions per second (joins + leaves; the rate ramps up over the warm-up). Half the users are in a
 * room at any time; a user leaves ~0.8 s after joining and its next join goes to another room.
 * Observer sockets (their own Vert.x, so the members' fan-out does not slow them down) cover every
 * room on every node. Convergence of an action = time from its scheduled send until the observers
 * on ALL nodes have received the matching presence.join / presence.leave; an event that never
 * comes (or is skipped over by a later one of the same user) is missing. At the end every node's
 * REST snapshot of every room must equal the set the generator expects, and again once every user
 * socket is closed.
 *
 * <p>Bytes between nodes: {@code ss -tinp} snapshots of the TCP connections between the node
 * processes (by pid), split by the listening port at one end into Vert.x event bus and Hazelcast,
 * before and after the measured window, minus the idle rate measured before the churn.
 *
 * <p>Peer (computed, same run): the same action log replayed against the naive scheme "on every
 * join/leave, send the room's full presence snapshot (Herald's own snapshot JSON) to every other
 * node", framed like a Vert.x event-bus message; and, as an ablation, "one Herald delta per
 * change, no 10 ms batching".
 *
 * <pre>java -cp target/herald.jar bench/presence/PresenceChurnBench.java --ports=a,b,c --pids=x,y,z
 *     --secret=... --api-key=... [--rate=1000 --rooms=40 --users=800 --warmup=10 --duration=25 --out=file]</pre>
 */
public class PresenceChurnBench {

  // ---- configuration ----
  static int[] ports;
  static long[] pids;
  static String secret;
  static String apiKey;
  static double rate = 1000;
  static int rooms = 40;
  static int users = 800;
  static int roomsPerObserver = 20;
  static int warmupS = 10;
  static int durationS = 25;
  static int drainS = 5;
  static int baselineS = 5;
  static String outFile;
  static String runId = UUID.randomUUID().toString().substring(0, 6);

  static final int NODES = 3;
  /** Vert.x 5 clustered-message framing with no headers and no reply address (ClusteredMessage.encodeToWire). */
  static final int EB_FRAME_OVERHEAD_FIXED = 4 + 1 + 1 + 1 + 4 + 4 + 4 + 4 + 4; // len, version, codec, send, address len, reply(0), sender len, headers, body len
  static final String PRESENCE_ADDRESS = "herald.presence";
  static final int NODE_ID_LEN = 36; // Vert.x node ids are UUIDs

  // ---- state ----
  static final Object LOCK = new Object();
  static final class Action {
    final User user;
    final boolean join;
    final int room;
    final long intended;
    long sent;
    volatile long written;
    final long[] seen = new long[NODES];
    final long[] emitLagMs = new long[NODES]; // receipt wall clock - envelope ts (server emit time)
    boolean measured;

    Action(User user, boolean join, int room, long intended) {
      this.user = user;
      this.join = join;
      this.room = room;
      this.intended = intended;
    }
  }

  static final class User {
    final int index;
    final String id;
    final String name;
    final int node;
    WebSocket ws;
    final List<Action> actions = new ArrayList<>();
    final int[] seenCount = new int[NODES];
    int room = -1;
    int joins;

    User(int index) {
      this.index = index;
      this.id = "u" + index;
      this.name = "User " + index;
      this.node = index % NODES;
    }
  }

  static final Map<String, User> byId = new ConcurrentHashMap<>();
  static final List<Action> log = new ArrayList<>();
  static final AtomicLong skipped = new AtomicLong();
  static final AtomicLong unexpected = new AtomicLong();
  static final AtomicLong userErrFrames = new AtomicLong();
  static final AtomicLong observerErrFrames = new AtomicLong();
  static final List<String> errSamples = new ArrayList<>();
  static final Map<String, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    parseArgs(args);
    // Observers get their own Vert.x (one event loop): the fan-out to the user sockets (every member
    // of a room receives its presence events) must not delay reading the observers' frames, or the
    // observers become slow consumers themselves.
    Vertx usersVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Vertx observersVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebSocketClient usersClient = usersVertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000));
    WebSocketClient observersClient = observersVertx.createWebSocketClient(new WebSocketClientOptions());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    JsonObject result = new JsonObject();
    int exit = 0;
    try {
      exit = run(usersClient, observersClient, http, result);
    } finally {
      usersVertx.close().await();
      observersVertx.close().await();
    }
    String json = result.encodePrettily();
    System.out.println(json);
    if (outFile != null) {
      Files.writeString(Path.of(outFile), json + "\n");
    }
    System.exit(exit);
  }

  static int run(WebSocketClient usersClient, WebSocketClient observersClient, HttpClient http, JsonObject result)
      throws Exception {
    String[] roomNames = new String[rooms];
    for (int r = 0; r < rooms; r++) {
      roomNames[r] = "chat:pc" + runId + "-r" + r;
    }
    Map<String, Integer> roomIndex = new HashMap<>();
    for (int r = 0; r < rooms; r++) {
      roomIndex.put(roomNames[r], r);
    }
    Ports eb = listeningPorts();
    log("nodes: http ports " + Arrays.toString(ports) + ", pids " + Arrays.toString(pids)
        + ", event-bus ports " + eb.eventBus + ", hazelcast ports " + eb.hazelcast);
    if (eb.eventBus.size() != NODES || eb.hazelcast.size() != NODES) {
      throw new IllegalStateException("expected one event-bus and one Hazelcast listening port per node: " + eb);
    }

    // ---- observers: per node, sockets that together cover every room ----
    int observersPerNode = (rooms + roomsPerObserver - 1) / roomsPerObserver;
    Map<Integer, List<String>> observerRooms = new HashMap<>();
    List<WebSocket> observers = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      for (int k = 0; k < observersPerNode; k++) {
        String id = "obs" + n + "-" + k;
        int node = n;
        WebSocket ws = connect(observersClient, ports[n], token(id, "Observer " + n + "-" + k),
            text -> onObserverFrame(node, text, roomIndex)).await();
        observers.add(ws);
        List<Future<Void>> regs = new ArrayList<>();
        for (int r = k * roomsPerObserver; r < Math.min(rooms, (k + 1) * roomsPerObserver); r++) {
          String reply = "ack-" + id + "-" + r;
          CompletableFuture<Void> acked = new CompletableFuture<>();
          acks.put(reply, acked);
          ws.writeTextMessage(new JsonObject().put("type", "register").put("address", roomNames[r])
              .put("replyAddress", reply).encode());
          regs.add(Future.fromCompletionStage(acked));
          observerRooms.computeIfAbsent(r, x -> new ArrayList<>()).add(id);
        }
        Future.all(regs).await();
      }
    }
    log(observers.size() + " observer sockets subscribed to " + rooms + " rooms on every node");
    // the cluster is formed when every node lists every observer of every room
    Map<Integer, TreeMap<String, JsonObject>> observersOnly = observersOnly(observerRooms);
    long formingSince = System.nanoTime();
    JsonObject formed;
    while (!(formed = consistency(http, roomNames, observersOnly)).getBoolean("ok")) {
      if (System.nanoTime() - formingSince > 30_000_000_000L) {
        throw new IllegalStateException("the 3 nodes do not agree on the observers' presence: " + formed.encode());
      }
      sleepMs(250);
    }
    log("all nodes list all observers after " + ms(System.nanoTime() - formingSince) + " ms");

    // ---- user pool ----
    List<User> pool = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      User u = new User(i);
      pool.add(u);
      byId.put(u.id, u);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < users; i += 50) {
      List<Future<WebSocket>> batch = new ArrayList<>();
      for (int j = i; j < Math.min(users, i + 50); j++) {
        User u = pool.get(j);
        batch.add(connect(usersClient, ports[u.node], token(u.id, u.name), null)
            .onSuccess(ws -> {
              ws.handler(PresenceChurnBench::onUserFrame); // raw bytes: no String decoding of the fan-out
              u.ws = ws;
            }));
      }
      Future.all(batch).await();
    }
    log(users + " user sockets connected in " + ms(System.nanoTime() - t0) + " ms");
    sleepMs(2000); // let presence:users settle (every socket of a token holder is online)

    // ---- idle baseline of inter-node traffic ----
    Snap baseA = snap(eb);
    sleepMs(baselineS * 1000L);
    Snap baseB = snap(eb);
    double baseSeconds = (baseB.at - baseA.at) / 1e9;
    Traffic baseline = Traffic.between(baseA, baseB);
    log("idle baseline: event bus " + Math.round(baseline.ebBytes / baseSeconds) + " B/s, hazelcast "
        + Math.round(baseline.hzBytes / baseSeconds) + " B/s");

    // ---- churn: open loop ----
    long interval = Math.round(1e9 / rate);
    long start = System.nanoTime() + 50_000_000L;
    origin = start;
    long measureFrom = start + warmupS * 1_000_000_000L;
    long end = measureFrom + durationS * 1_000_000_000L;
    ArrayDeque<User> idle = new ArrayDeque<>(pool);
    ArrayDeque<User> joined = new ArrayDeque<>();
    int target = users / 2;
    String[] joinFrames = new String[rooms];
    String[] leaveFrames = new String[rooms];
    for (int r = 0; r < rooms; r++) {
      joinFrames[r] = new JsonObject().put("type", "register").put("address", roomNames[r]).encode();
      leaveFrames[r] = new JsonObject().put("type", "unregister").put("address", roomNames[r]).encode();
    }
    CompletableFuture<Snap> windowStart = null;
    long[] cpuStart = null;
    long benchCpuStart = 0;
    long[] machineStart = null;
    long[] lags = new long[(int) ((end - start) / interval) + 16];
    int nLags = 0;
    long next = start;
    while (true) {
      // open loop: the rate ramps from 20% to 100% over the warm-up (JIT, first feeds), then holds
      long intended = next;
      if (intended >= end) {
        break;
      }
      double ramp = intended >= measureFrom ? 1.0 : 0.2 + 0.8 * (intended - start) / (double) (measureFrom - start);
      next += Math.max(1, Math.round(interval / ramp));
      long now;
      while ((now = System.nanoTime()) < intended) {
        LockSupport.parkNanos(intended - now);
      }
      if (windowStart == null && intended >= measureFrom) {
        cpuStart = cpuTicks();
        benchCpuStart = benchCpu();
        machineStart = machineTicks();
        windowStart = CompletableFuture.supplyAsync(() -> snap(eb));
      }
      boolean join = joined.size() < target;
      User u = join ? idle.poll() : joined.poll();
      int room = join ? roomFor(u, observersPerNode) : u.room;
      Action a = new Action(u, join, room, intended);
      a.measured = intended >= measureFrom;
      synchronized (LOCK) {
        u.actions.add(a);
      }
      log.add(a);
      u.ws.writeTextMessage(join ? joinFrames[room] : leaveFrames[room]).onComplete(ar -> a.written = System.nanoTime());
      a.sent = System.nanoTime();
      if (a.measured) {
        lags[nLags++] = a.sent - intended;
      }
      if (join) {
        u.room = room;
        joined.add(u);
      } else {
        u.room = -1;
        idle.add(u);
      }
    }
    long churnEnded = System.nanoTime();
    log("churn done: " + log.size() + " actions in " + ms(churnEnded - start) + " ms; draining " + drainS + " s");
    sleepMs(drainS * 1000L);
    Snap windowEnd = snap(eb);
    long[] cpuEnd = cpuTicks();
    long benchCpuEnd = benchCpu();
    long[] machineEnd = machineTicks();
    Snap ws0 = windowStart.get();
    Traffic window = Traffic.between(ws0, windowEnd);
    double windowSeconds = (windowEnd.at - ws0.at) / 1e9;

    // ---- convergence ----
    List<Long> conv = new ArrayList<>();
    List<Long> local = new ArrayList<>();
    List<Long> remote = new ArrayList<>();
    List<Long> emitToClientOrigin = new ArrayList<>();
    List<Long> emitToClientOther = new ArrayList<>();
    List<Long> actionToEmitOrigin = new ArrayList<>();
    List<Long> actionToEmitOther = new ArrayList<>();
    long missingPairs = 0;
    long missingMeasured = 0;
    long missingActions = 0;
    long measuredActions = 0;
    long measuredJoins = 0;
    long inWindow = 0;
    synchronized (LOCK) {
      for (Action a : log) {
        boolean complete = true;
        long last = 0;
        for (int n = 0; n < NODES; n++) {
          if (a.seen[n] == 0) {
            missingPairs++;
            if (a.measured) {
              missingMeasured++;
            }
            complete = false;
          } else {
            last = Math.max(last, a.seen[n]);
          }
        }
        if (!complete) {
          missingActions++;
        }
        if (a.intended >= ws0.at) {
          inWindow++;
        }
        if (!a.measured) {
          continue;
        }
        measuredActions++;
        if (a.join) {
          measuredJoins++;
        }
        if (complete) {
          conv.add(last - a.intended);
        }
        for (int n = 0; n < NODES; n++) {
          if (a.seen[n] != 0) {
            (n == a.user.node ? local : remote).add(a.seen[n] - a.intended);
            (n == a.user.node ? emitToClientOrigin : emitToClientOther).add(a.emitLagMs[n] * 1_000_000L);
            (n == a.user.node ? actionToEmitOrigin : actionToEmitOther).add(a.seen[n] - a.intended - a.emitLagMs[n] * 1_000_000L);
          }
        }
      }
    }
    JsonObject convergence = dist(conv);
    log("convergence p50 " + convergence.getDouble("p50") + " ms, p99 " + convergence.getDouble("p99") + " ms, max "
        + convergence.getDouble("max") + " ms; missing " + missingPairs + " (action,node) pairs");

    // ---- final consistency: REST snapshots on all nodes equal the expected set ----
    Map<Integer, TreeMap<String, JsonObject>> expected = observersOnly(observerRooms);
    for (User u : joined) {
      expected.get(u.room).put(u.id, new JsonObject().put("name", u.name));
    }
    JsonObject steady = consistency(http, roomNames, expected);
    log("final consistency with " + joined.size() + " users joined: " + steady.getBoolean("ok"));

    // every user socket closes: leaveAll on the server; rooms must fall back to the observers only
    tracking = false;
    List<Future<Void>> closes = new ArrayList<>();
    for (User u : pool) {
      closes.add(u.ws.close());
    }
    Future.all(closes).await();
    for (int r = 0; r < rooms; r++) {
      expected.get(r).keySet().removeIf(id -> byId.containsKey(id));
    }
    long closedAt = System.nanoTime();
    JsonObject afterClose;
    do { // up to 10 s
      sleepMs(250);
      afterClose = consistency(http, roomNames, expected);
    } while (!afterClose.getBoolean("ok") && System.nanoTime() - closedAt < 10_000_000_000L);
    afterClose.put("checkedAfterMs", ms(System.nanoTime() - closedAt));
    log("after closing every user socket: " + afterClose.getBoolean("ok"));
    for (WebSocket o : observers) {
      o.close();
    }

    // ---- peers, computed by replaying the same action log ----
    Peers peers = replay(log, ws0.at, observerRooms, roomNames, pool);

    // ---- report ----
    double achieved = measuredActions / (double) durationS;
    long changes = inWindow;
    double ebNet = window.ebBytes - baseline.ebBytes / baseSeconds * windowSeconds;
    double hzNet = window.hzBytes - baseline.hzBytes / baseSeconds * windowSeconds;
    JsonObject cfg = new JsonObject()
        .put("nodes", NODES).put("rooms", rooms).put("users", users).put("usersJoinedSteadyState", target)
        .put("observerSocketsPerNode", observersPerNode).put("targetActionsPerSecond", rate)
        .put("warmupSeconds", warmupS).put("measuredSeconds", durationS).put("drainSeconds", drainS)
        .put("herald.flushDelayMs", 10).put("cores", Runtime.getRuntime().availableProcessors());
    JsonObject herald = new JsonObject()
        .put("actionsMeasured", measuredActions).put("joinsMeasured", measuredJoins)
        .put("leavesMeasured", measuredActions - measuredJoins)
        .put("achievedActionsPerSecond", round(achieved, 1))
        .put("sendLagMs", dist(Arrays.stream(lags, 0, nLags).boxed().toList()))
        .put("convergenceMs", convergence)
        .put("originNodeMs", dist(local))
        .put("otherNodesMs", dist(remote))
        .put("split", new JsonObject()
            .put("note", "server emit time is the envelope ts (ms, wall clock); action->emit = node-side, emit->client = delivery")
            .put("actionToEmitOriginMs", dist(actionToEmitOrigin)).put("actionToEmitOtherMs", dist(actionToEmitOther))
            .put("emitToClientOriginMs", dist(emitToClientOrigin)).put("emitToClientOtherMs", dist(emitToClientOther)))
        .put("missingEvents", missingMeasured).put("missingEventsDuringWarmup", missingPairs - missingMeasured)
        .put("actionsNotConvergedEverywhere", missingActions)
        .put("actionsTotalIncludingWarmup", log.size())
        .put("actionsSkippedByObservers", skipped.get()).put("unexpectedEvents", unexpected.get())
        .put("errFramesUsers", userErrFrames.get()).put("errFramesObservers", observerErrFrames.get())
        .put("finalConsistency", steady).put("afterAllSocketsClosed", afterClose);
    if (!anomalies.isEmpty()) {
      herald.put("anomalySamples", new JsonArray(new ArrayList<>(anomalies)));
    }
    // convergence per second of the run (by scheduled time): where the tail comes from
    JsonArray perSecond = new JsonArray();
    for (int sec = 0; sec * 1_000_000_000L < end - start; sec++) {
      List<Long> bucket = new ArrayList<>();
      long missingHere = 0;
      synchronized (LOCK) {
        for (Action a : log) {
          if ((a.intended - start) / 1_000_000_000L != sec) {
            continue;
          }
          long last = 0;
          boolean complete = true;
          for (int n = 0; n < NODES; n++) {
            complete &= a.seen[n] != 0;
            last = Math.max(last, a.seen[n]);
          }
          if (complete) {
            bucket.add(last - a.intended);
          } else {
            missingHere++;
          }
        }
      }
      JsonObject d = dist(bucket);
      perSecond.add(new JsonObject().put("second", sec).put("p50", d.getValue("p50")).put("p99", d.getValue("p99"))
          .put("max", d.getValue("max")).put("missing", missingHere));
    }
    herald.put("convergencePerSecond", perSecond);
    // where slow actions (> 1 s to converge) were slow: origin node -> observer node
    int[][] slow = new int[NODES][NODES];
    int[] slowOrigin = new int[NODES];
    JsonArray slowSamples = new JsonArray();

    synchronized (LOCK) {
      for (Action a : log) {
        boolean any = false;
        for (int n = 0; n < NODES; n++) {
          if (a.seen[n] == 0 || a.seen[n] - a.intended > 1_000_000_000L) {
            slow[a.user.node][n]++;
            any = true;
          }
        }
        if (any) {
          slowOrigin[a.user.node]++;
          if (slowSamples.size() < 10) {
            slowSamples.add("user " + a.user.id + " on node " + a.user.node + ": " + describe(a));
          }
        }
      }
    }
    herald.put("slowActions", new JsonObject().put("byOriginNode", new JsonArray(Arrays.stream(slowOrigin).boxed().toList()))
        .put("originToObserver", new JsonArray(Arrays.stream(slow).map(r -> new JsonArray(Arrays.stream(r).boxed().toList())).toList()))
        .put("samples", slowSamples));
    if (!errSamples.isEmpty()) {
      herald.put("errSamples", new JsonArray(new ArrayList<>(errSamples)));
    }
    JsonObject traffic = new JsonObject()
        .put("method", "ss -tinp: TCP payload bytes (bytes_sent, both ends summed) of connections whose two ends "
            + "are node processes; split by the listening port at one end (Vert.x event bus vs Hazelcast); window = "
            + "measured churn + drain, minus the idle rate measured for " + baselineS + " s before the churn")
        .put("windowSeconds", round(windowSeconds, 3))
        .put("changesInWindow", changes)
        .put("eventBus", trafficJson(window.ebBytes, window.ebSegs, baseline.ebBytes / baseSeconds, ebNet, changes))
        .put("hazelcast", trafficJson(window.hzBytes, window.hzSegs, baseline.hzBytes / baseSeconds, hzNet, changes))
        .put("connectionsSeen", window.connections).put("connectionsClosedDuringWindow", window.closed);
    herald.put("interNode", traffic);
    JsonObject cpu = new JsonObject();
    long hz = 100; // USER_HZ
    for (int n = 0; n < NODES; n++) {
      cpu.put("node" + n + "Seconds", round((cpuEnd[n] - cpuStart[n]) / (double) hz, 2));
    }
    cpu.put("generatorSeconds", round((benchCpuEnd - benchCpuStart) / 1e9, 2));
    long busy = machineEnd[0] - machineStart[0];
    long total = machineEnd[1] - machineStart[1];
    cpu.put("machineBusyPercent", round(100.0 * busy / Math.max(1, total), 1));
    cpu.put("windowSeconds", round(windowSeconds, 2));
    herald.put("cpu", cpu);

    double heraldPerChange = ebNet / changes;
    JsonObject peer = new JsonObject()
        .put("what", "COMPUTED, not run: on every join/leave the origin node sends the room's full presence snapshot "
            + "(Herald's own REST/herald.presence snapshot JSON {members:[{userId,info,connections}],count}) to each of "
            + "the other " + (NODES - 1) + " nodes, one Vert.x event-bus message each (" + EB_FRAME_OVERHEAD_FIXED
            + " + address + node id bytes of framing). Same actions, same room sizes as the measured run. "
            + "A Socket.IO + Redis adapter would relay through Redis: publisher->Redis plus Redis->every node, i.e. more.")
        .put("changes", peers.changes)
        .put("avgRoomMembersAfterChange", round(peers.members / (double) peers.changes, 2))
        .put("avgSnapshotJsonBytes", round(peers.snapshotBytes / (double) peers.changes, 1))
        .put("bytesPerChange", round(peers.snapshotWire / (double) peers.changes, 1))
        .put("ratioToHerald", round(peers.snapshotWire / (double) peers.changes / heraldPerChange, 2));
    JsonObject ablation = new JsonObject()
        .put("what", "COMPUTED: Herald's delta format but one message per change (no 10 ms batching): "
            + "{type:delta,node,version,members:[{c,u,n,i}],viewers:[{c,v}]} to each other node")
        .put("bytesPerChange", round(peers.deltaWire / (double) peers.changes, 1))
        .put("ratioToHerald", round(peers.deltaWire / (double) peers.changes / heraldPerChange, 2));

    boolean ok = missingPairs == 0 && skipped.get() == 0 && unexpected.get() == 0
        && steady.getBoolean("ok") && afterClose.getBoolean("ok");
    result.put("benchmark", "presence-churn").put("date", Instant.now().toString()).put("ok", ok)
        .put("config", cfg).put("herald", herald)
        .put("heraldBytesPerJoinOrLeave", round(heraldPerChange, 1))
        .put("peerFullSnapshot", peer).put("ablationUnbatchedDelta", ablation);
    return ok ? 0 : 1;
  }

  /**
   * A user's next room: consecutive joins go to different rooms (so a skipped event is noticed),
   * all among the rooms of one observer socket per node (so a node's events about one user arrive
   * in order, on one socket).
   */
  static int roomFor(User u, int observersPerNode) {
    int group = u.index % observersPerNode;
    int first = group * roomsPerObserver;
    int size = Math.min(rooms, first + roomsPerObserver) - first;
    return first + (u.index / observersPerNode + u.joins++) % size;
  }

  // ---- frames ----

  /** Observers match events to actions until the user sockets are closed at the end (their leaves are not actions). */
  static volatile boolean tracking = true;

  static void onObserverFrame(int node, String text, Map<String, Integer> roomIndex) {
    long now = System.nanoTime();
    if (text.startsWith("{\"type\":\"err\"")) {
      observerErrFrames.incrementAndGet();
      sample(text);
      return;
    }
    if (!text.contains("\"presence.")) {
      if (text.contains("\"subscribed\":true")) {
        JsonObject f = new JsonObject(text);
        CompletableFuture<Void> acked = acks.remove(f.getString("address"));
        if (acked != null) {
          acked.complete(null);
        }
      }
      return;
    }
    JsonObject body = new JsonObject(text).getJsonObject("body");
    String type = body.getString("type");
    boolean join = "presence.join".equals(type);
    if (!join && !"presence.leave".equals(type)) {
      return;
    }
    User u = byId.get(body.getJsonObject("data").getString("userId"));
    Integer room = roomIndex.get(body.getString("channel"));
    if (u == null || room == null || !tracking) {
      return; // an observer joining or leaving
    }
    synchronized (LOCK) {
      // the first action of this user, not yet seen here, that the event matches; the ones skipped
      // over stay unseen on this node and are counted missing
      int k = u.seenCount[node];
      int j = k;
      while (j < u.actions.size() && (u.actions.get(j).join != join || u.actions.get(j).room != room)) {
        j++;
      }
      if (j == u.actions.size()) {
        unexpected.incrementAndGet();
        anomaly("unexpected at node " + node + ": " + u.id + " " + type + " room " + room + " at " + rel(now)
            + "; actions " + describeAll(u));
        return;
      }
      if (j > k) {
        skipped.addAndGet(j - k);
        anomaly("node " + node + " got " + u.id + " " + type + " room " + room + " at " + rel(now) + " without "
            + (j - k) + " earlier action(s); actions " + describeAll(u));
      }
      u.seenCount[node] = j + 1;
      Action a = u.actions.get(j);
      a.seen[node] = now;
      try {
        a.emitLagMs[node] = System.currentTimeMillis() - Instant.parse(body.getString("ts")).toEpochMilli();
      } catch (RuntimeException ignored) {
        a.emitLagMs[node] = -1;
      }
    }
  }

  static volatile long origin = System.nanoTime();
  static final List<String> anomalies = new ArrayList<>();

  static String rel(long t) {
    return t == 0 ? "-" : String.format("%.1fms", (t - origin) / 1e6);
  }

  static String describe(Action a) {
    return (a.join ? "join " : "leave ") + a.room + " @" + rel(a.intended) + " written " + rel(a.written) + " seen "
        + rel(a.seen[0]) + "/" + rel(a.seen[1]) + "/" + rel(a.seen[2]) + " (emit->client " + a.emitLagMs[0] + "/" + a.emitLagMs[1]
        + "/" + a.emitLagMs[2] + " ms)";
  }

  static String describeAll(User u) {
    StringBuilder b = new StringBuilder("[node " + u.node + "] ");
    u.actions.forEach(a -> b.append(describe(a)).append("; "));
    return b.toString();
  }

  static void anomaly(String text) {
    synchronized (anomalies) {
      if (anomalies.size() < 20) {
        anomalies.add(text);
      }
    }
  }

  static final byte[] ERR_PREFIX = "{\"type\":\"err\"".getBytes(StandardCharsets.UTF_8);

  static void onUserFrame(io.vertx.core.buffer.Buffer frame) {
    if (frame.length() < ERR_PREFIX.length) {
      return;
    }
    for (int i = 0; i < ERR_PREFIX.length; i++) {
      if (frame.getByte(i) != ERR_PREFIX[i]) {
        return;
      }
    }
    userErrFrames.incrementAndGet();
    sample(frame.toString(StandardCharsets.UTF_8));
  }

  static void sample(String text) {
    synchronized (errSamples) {
      if (errSamples.size() < 5) {
        errSamples.add(text);
      }
    }
  }

  static Future<WebSocket> connect(WebSocketClient client, int port, String token, java.util.function.Consumer<String> onText) {
    String uri = "/eventbus/websocket?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .map(ws -> {
          if (onText != null) {
            ws.textMessageHandler(onText::accept);
          }
          return ws;
        });
  }

  // ---- REST consistency ----

  static JsonObject consistency(HttpClient http, String[] roomNames, Map<Integer, TreeMap<String, JsonObject>> expected)
      throws Exception {
    int equalAcrossNodes = 0;
    int equalToExpected = 0;
    List<String> problems = new ArrayList<>();
    long members = 0;
    for (int r = 0; r < roomNames.length; r++) {
      JsonObject want = snapshotJson(expected.get(r));
      String[] got = new String[NODES];
      for (int n = 0; n < NODES; n++) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[n] + "/api/v1/channels/"
            + roomNames[r] + "/presence")).header("X-Api-Key", apiKey).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        got[n] = resp.statusCode() == 200 ? new JsonObject(resp.body()).encode() : ("HTTP " + resp.statusCode());
      }
      boolean same = got[0].equals(got[1]) && got[1].equals(got[2]);
      if (same) {
        equalAcrossNodes++;
      }
      if (same && got[0].equals(want.encode())) {
        equalToExpected++;
      } else if (problems.size() < 3) {
        problems.add(roomNames[r] + ": expected " + want.encode() + " got " + Arrays.toString(got));
      }
      members += want.getInteger("count");
    }
    JsonObject j = new JsonObject().put("ok", equalToExpected == roomNames.length).put("rooms", roomNames.length)
        .put("roomsEqualOnAllNodes", equalAcrossNodes).put("roomsEqualToExpected", equalToExpected)
        .put("expectedMembersTotal", members);
    if (!problems.isEmpty()) {
      j.put("problems", new JsonArray(problems));
    }
    return j;
  }

  static Map<Integer, TreeMap<String, JsonObject>> observersOnly(Map<Integer, List<String>> observerRooms) {
    Map<Integer, TreeMap<String, JsonObject>> expected = new HashMap<>();
    for (int r = 0; r < rooms; r++) {
      TreeMap<String, JsonObject> m = new TreeMap<>();
      for (String obs : observerRooms.getOrDefault(r, List.of())) {
        m.put(obs, new JsonObject().put("name", observerName(obs)));
      }
      expected.put(r, m);
    }
    return expected;
  }

  /** obs{node}-{k} is "Observer {node}-{k}". */
  static String observerName(String id) {
    return "Observer " + id.substring(3);
  }

  /** Herald's snapshot JSON: members sorted by userId, each {userId, info, connections}, then count. */
  static JsonObject snapshotJson(TreeMap<String, JsonObject> members) {
    JsonArray list = new JsonArray();
    members.forEach((id, info) -> list.add(new JsonObject().put("userId", id).put("info", info).put("connections", 1)));
    return new JsonObject().put("members", list).put("count", list.size());
  }

  // ---- peers ----

  static final class Peers {
    long changes;
    long members;
    long snapshotBytes;
    long snapshotWire;
    long deltaWire;
  }

  static Peers replay(List<Action> log, long from, Map<Integer, List<String>> observerRooms, String[] roomNames, List<User> pool) {
    Peers p = new Peers();
    Map<Integer, TreeMap<String, JsonObject>> model = new HashMap<>();
    int[][] viewers = new int[NODES][roomNames.length]; // per node: sockets subscribed to the room
    for (int r = 0; r < roomNames.length; r++) {
      TreeMap<String, JsonObject> m = new TreeMap<>();
      for (String obs : observerRooms.getOrDefault(r, List.of())) {
        m.put(obs, new JsonObject().put("name", observerName(obs)));
        viewers[Integer.parseInt(obs.substring(3, obs.indexOf('-')))][r]++;
      }
      model.put(r, m);
    }
    long[] version = new long[NODES];
    String fakeNode = UUID.randomUUID().toString();
    int frame = EB_FRAME_OVERHEAD_FIXED + PRESENCE_ADDRESS.length() + NODE_ID_LEN;
    for (Action a : log) {
      TreeMap<String, JsonObject> m = model.get(a.room);
      JsonObject info = new JsonObject().put("name", a.user.name);
      if (a.join) {
        m.put(a.user.id, info);
        viewers[a.user.node][a.room]++;
      } else {
        m.remove(a.user.id);
        viewers[a.user.node][a.room]--;
      }
      version[a.user.node]++;
      if (a.intended < from) {
        continue;
      }
      p.changes++;
      p.members += m.size();
      int snap = snapshotJson(m).encode().getBytes(StandardCharsets.UTF_8).length;
      p.snapshotBytes += snap;
      p.snapshotWire += (long) (NODES - 1) * (frame + snap);
      JsonObject entry = new JsonObject().put("c", roomNames[a.room]).put("u", a.user.id).put("n", a.join ? 1 : 0)
          .put("i", info);
      JsonObject delta = new JsonObject().put("type", "delta").put("node", fakeNode).put("version", version[a.user.node])
          .put("members", new JsonArray().add(entry))
          .put("viewers", new JsonArray().add(new JsonObject().put("c", roomNames[a.room]).put("v", viewers[a.user.node][a.room])));
      p.deltaWire += (long) (NODES - 1) * (frame + delta.encode().getBytes(StandardCharsets.UTF_8).length);
    }
    return p;
  }

  // ---- inter-node traffic from ss ----

  record Ports(Set<Integer> eventBus, Set<Integer> hazelcast, Map<Long, Set<Integer>> byPid) {
  }

  static Ports listeningPorts() throws Exception {
    Map<Long, Set<Integer>> byPid = new HashMap<>();
    for (String line : run("ss", "-tlnpH")) {
      Matcher pid = PID.matcher(line);
      String[] f = line.trim().split("\\s+");
      if (!pid.find() || f.length < 4) {
        continue;
      }
      long p = Long.parseLong(pid.group(1));
      if (Arrays.stream(pids).anyMatch(x -> x == p)) {
        byPid.computeIfAbsent(p, x -> new HashSet<>()).add(port(f[3]));
      }
    }
    Set<Integer> ebPorts = new HashSet<>();
    Set<Integer> hzPorts = new HashSet<>();
    for (int n = 0; n < NODES; n++) {
      for (int port : byPid.getOrDefault(pids[n], Set.of())) {
        if (port == ports[n]) {
          continue;
        }
        (port >= 5701 && port <= 5800 ? hzPorts : ebPorts).add(port);
      }
    }
    return new Ports(ebPorts, hzPorts, byPid);
  }

  static final Pattern PID = Pattern.compile("pid=(\\d+)");
  static final Pattern SENT = Pattern.compile("bytes_sent:(\\d+)");
  static final Pattern SEGS = Pattern.compile("segs_out:(\\d+)");

  /** One side of a connection between two node processes. */
  record Sock(String key, int kind, long bytesSent, long segsOut) {
  }

  record Snap(long at, Map<String, Sock> socks) {
  }

  static Snap snap(Ports ports) {
    try {
      long at = System.nanoTime();
      List<String> lines = run("ss", "-tinpH");
      Map<Integer, Long> ownerOfPort = new HashMap<>();
      List<String[]> heads = new ArrayList<>();
      List<String> details = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isEmpty() || Character.isWhitespace(line.charAt(0))) {
          continue;
        }
        String detail = i + 1 < lines.size() && !lines.get(i + 1).isEmpty() && Character.isWhitespace(lines.get(i + 1).charAt(0))
            ? lines.get(i + 1) : "";
        Matcher pid = PID.matcher(line);
        String[] f = line.trim().split("\\s+");
        if (!pid.find() || f.length < 5) {
          continue;
        }
        long p = Long.parseLong(pid.group(1));
        if (Arrays.stream(pids).noneMatch(x -> x == p)) {
          continue;
        }
        ownerOfPort.put(port(f[3]), p);
        heads.add(new String[] {f[3], f[4], Long.toString(p)});
        details.add(detail);
      }
      Map<String, Sock> socks = new HashMap<>();
      for (int i = 0; i < heads.size(); i++) {
        int lp = port(heads.get(i)[0]);
        int pp = port(heads.get(i)[1]);
        long owner = Long.parseLong(heads.get(i)[2]);
        Long other = ownerOfPort.get(pp);
        if (other == null || other == owner) {
          continue;
        }
        int kind;
        if (ports.eventBus.contains(lp) || ports.eventBus.contains(pp)) {
          kind = 0;
        } else if (ports.hazelcast.contains(lp) || ports.hazelcast.contains(pp)) {
          kind = 1;
        } else {
          continue;
        }
        String key = lp + ">" + pp;
        socks.put(key, new Sock(key, kind, num(SENT, details.get(i)), num(SEGS, details.get(i))));
      }
      return new Snap(at, socks);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static final class Traffic {
    long ebBytes;
    long hzBytes;
    long ebSegs;
    long hzSegs;
    int connections;
    int closed;

    static Traffic between(Snap a, Snap b) {
      Traffic t = new Traffic();
      for (Sock s : b.socks.values()) {
        Sock before = a.socks.get(s.key);
        long bytes = s.bytesSent - (before == null ? 0 : before.bytesSent);
        long segs = s.segsOut - (before == null ? 0 : before.segsOut);
        if (s.kind == 0) {
          t.ebBytes += bytes;
          t.ebSegs += segs;
        } else {
          t.hzBytes += bytes;
          t.hzSegs += segs;
        }
        t.connections++;
      }
      for (String key : a.socks.keySet()) {
        if (!b.socks.containsKey(key)) {
          t.closed++;
        }
      }
      return t;
    }
  }

  static JsonObject trafficJson(long bytes, long segs, double idleBytesPerSecond, double net, long changes) {
    return new JsonObject().put("bytesInWindow", bytes).put("segmentsInWindow", segs)
        .put("idleBytesPerSecond", round(idleBytesPerSecond, 1)).put("bytesNetOfIdle", Math.round(net))
        .put("bytesPerJoinOrLeave", round(net / changes, 1))
        .put("bytesPerJoinLeaveCycle", round(2 * net / changes, 1));
  }

  // ---- CPU ----

  static long[] cpuTicks() {
    long[] t = new long[NODES];
    for (int n = 0; n < NODES; n++) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pids[n] + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        t[n] = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      } catch (Exception e) {
        t[n] = 0;
      }
    }
    return t;
  }

  static long benchCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** {busy, total} jiffies of the whole machine (all processes, including other tenants). */
  static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (Exception e) {
      return new long[] {0, 0};
    }
  }

  // ---- helpers ----

  static long num(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  static List<String> run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    }
    p.waitFor();
    return lines;
  }

  static String token(String sub, String name) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String claims = b64.encodeToString(new JsonObject().put("sub", sub).put("name", name)
        .put("exp", System.currentTimeMillis() / 1000 + 3600).encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String input = header + "." + claims;
      return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject dist(List<Long> nanos) {
    List<Long> sorted = nanos.stream().sorted().toList();
    return new JsonObject().put("count", nanos.size()).put("p50", pct(sorted, 50)).put("p90", pct(sorted, 90))
        .put("p99", pct(sorted, 99)).put("p999", pct(sorted, 99.9)).put("max", pct(sorted, 100));
  }

  static Double pct(List<Long> nanos, double p) {
    if (nanos.isEmpty()) {
      return null;
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return round(sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6, 2);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  static void sleepMs(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }

  static void log(String s) {
    System.err.println("[bench] " + s);
  }

  static void parseArgs(String[] args) {
    for (String arg : args) {
      String[] kv = arg.replaceFirst("^--", "").split("=", 2);
      String v = kv.length > 1 ? kv[1] : "";
      switch (kv[0]) {
        case "ports" -> ports = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "pids" -> pids = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        case "secret" -> secret = v;
        case "api-key" -> apiKey = v;
        case "rate" -> rate = Double.parseDouble(v);
        case "rooms" -> rooms = Integer.parseInt(v);
        case "users" -> users = Integer.parseInt(v);
        case "rooms-per-observer" -> roomsPerObserver = Integer.parseInt(v);
        case "warmup" -> warmupS = Integer.parseInt(v);
        case "duration" -> durationS = Integer.parseInt(v);
        case "drain" -> drainS = Integer.parseInt(v);
        case "baseline" -> baselineS = Integer.parseInt(v);
        case "out" -> outFile = v;
        default -> throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    if (ports == null || ports.length != NODES || pids == null || pids.length != NODES || secret == null || apiKey == null) {
      throw new IllegalArgumentException("need --ports=a,b,c --pids=x,y,z --secret=... --api-key=...");
    }
    if (roomsPerObserver > 30) {
      throw new IllegalArgumentException("an observer socket may join at most 30 rooms at once (presence rate limit burst)");
    }
  }
}
