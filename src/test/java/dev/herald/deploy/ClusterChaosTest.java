package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.NodeScript;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The failures a real deployment has, in one run behind nginx: 300 SDK clients (half WebSocket,
 * half SockJS, spread by nginx over three nodes) follow 20 channels while 10,000 events are
 * published through nginx at a steady rate; meanwhile node 1 is killed (SIGKILL) and restarted,
 * node 2 drained (SIGTERM) and restarted, and PostgreSQL stopped for a few seconds and started.
 * Afterwards every client has seen every event of its channel exactly once and in order, every
 * acknowledged publish is in history at the seq its receipt named, and what was refused was
 * refused with 503 and Retry-After (or a connection nginx could not complete: never a 500). Users
 * held by the killed node leave every survivor's presence within 10 s; the drained node's users
 * are back in every node's presence once reconnected.
 */
@Tag("cluster")
class ClusterChaosTest {

  static final int CLIENTS = 300;
  static final int CHANNELS = 20;
  static final int EVENTS = 10_000;
  static final int PER_SECOND = 200;
  static final String CHANNEL = "market:chaos-";
  static final String ROOM = "chat:chaos-";
  static final String PINNED_ROOM = "chat:chaos-pinned";

  final Map<Integer, Long> acknowledged = new ConcurrentHashMap<>(); // event n -> seq its receipt named
  final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>(); // status (-1: no answer) -> count
  final AtomicInteger unavailableWithoutRetryAfter = new AtomicInteger();

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void nothingAcknowledgedIsLostOrDuplicatedAcrossACrashADrainAndADatabaseRestart() throws Exception {
    NodeScript.install();
    DeployedCluster cluster = DeployedCluster.start(3, 3);
    NodeScript swarm = null;
    List<BridgeClient> pinned = new ArrayList<>();
    ExecutorService publishers = Executors.newFixedThreadPool(4);
    try {
      swarm = NodeScript.start("swarm.mjs", Map.of("HERALD_URL", "http://127.0.0.1:" + cluster.http,
          "HERALD_JWT_SECRET", TestNode.JWT_SECRET, "CLIENTS", String.valueOf(CLIENTS), "CHANNELS", String.valueOf(CHANNELS),
          "CHANNEL_PREFIX", CHANNEL, "ROOM_PREFIX", ROOM, "COUNT", String.valueOf(EVENTS / CHANNELS), "TIMEOUT_MS", "420000"));
      swarm.awaitLine(l -> l.equals("connected"), 90);
      for (int i = 1; i <= 3; i++) {
        assertThat(connections(cluster.node(i))).as("nginx gave node %s some of the clients", i).isPositive();
      }
      awaitRooms(cluster, 30_000);
      for (String user : List.of("pinned-ada", "pinned-bob")) { // straight to node 1, which will crash
        BridgeClient c = BridgeClient.connect(cluster.node(1), Tokens.user(user));
        c.subscribe(PINNED_ROOM);
        pinned.add(c);
      }
      DeployedCluster.awaitMembers(new Http(cluster.node(2)), PINNED_ROOM, List.of("pinned-ada", "pinned-bob"), 10_000);

      long started = System.nanoTime();
      AtomicInteger next = new AtomicInteger(1);
      for (int w = 0; w < 4; w++) {
        publishers.submit(() -> publish(cluster.http, next, started));
      }

      awaitAcknowledged(1_500);
      cluster.run(Map.of("KILL", "1"), "stop-node", "1");
      long killed = System.currentTimeMillis();
      for (int survivor : List.of(2, 3)) {
        DeployedCluster.awaitMembers(new Http(cluster.node(survivor)), PINNED_ROOM, List.of(),
            Math.max(0, 10_000 - (System.currentTimeMillis() - killed)));
      }
      cluster.run("start-node", "1");

      awaitAcknowledged(4_500);
      cluster.run("stop-node", "2"); // SIGTERM: drains, its clients reconnect elsewhere through nginx
      cluster.run("start-node", "2");
      awaitRooms(cluster, 30_000);

      awaitAcknowledged(7_500);
      cluster.run("stop-db");
      Thread.sleep(3_000); // publishes meanwhile are refused with 503
      cluster.run("start-db");

      publishers.shutdown();
      assertThat(publishers.awaitTermination(4, TimeUnit.MINUTES)).as("every event was acknowledged in the end").isTrue();
      assertThat(acknowledged).hasSize(EVENTS);

      JsonObject seen = swarm.result(420);
      System.out.printf("chaos: publish answers %s; clients %s%n", answers, seen.encode());
      assertThat(seen.getBoolean("ok")).as("every client saw seq 1..%s of its channel: %s", EVENTS / CHANNELS, seen).isTrue();
      assertThat(seen.getInteger("complete")).isEqualTo(CLIENTS);
      assertThat(seen.getLong("received")).as("each event once per client").isEqualTo((long) CLIENTS * (EVENTS / CHANNELS));
      assertThat(seen.getInteger("duplicates")).isZero();
      assertThat(seen.getInteger("outOfOrder")).isZero();
      assertThat(seen.getInteger("reconnects")).as("the crash and the drain reached the clients").isPositive();
      awaitRooms(cluster, 30_000); // the swarm's clients stay connected until it is closed

      assertHistoryHoldsEveryAcknowledgedEvent(new Http(cluster.http));
      assertThat(answers.keySet()).as("answers: %s", answers)
          .allMatch(status -> status == 201 || status == 200 || status == 503 || status == 502 || status == -1);
      assertThat(answers.get(503)).as("the database outage was refused with 503s: %s", answers).isNotNull();
      assertThat(unavailableWithoutRetryAfter).as("every 503 carries Retry-After").hasValue(0);
    } finally {
      publishers.shutdownNow();
      pinned.forEach(BridgeClient::close);
      if (swarm != null) {
        swarm.close();
      }
      assertThat(cluster.stop()).as("PostgreSQL, three nodes and nginx").isEqualTo(5);
    }
  }

  /**
   * Publishes events next.. through nginx, paced to PER_SECOND from {@code started}; each is retried
   * with its id until acknowledged (a node or the database may be away).
   */
  private void publish(int port, AtomicInteger next, long started) {
    Http http = new Http(port);
    try {
      for (int n = next.getAndIncrement(); n <= EVENTS; n = next.getAndIncrement()) {
        long due = started + TimeUnit.MILLISECONDS.toNanos(n * 1000L / PER_SECOND);
        TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
        JsonObject event = new JsonObject().put("type", "n").put("data", n).put("id", "chaos-" + n);
        while (!acknowledged.containsKey(n)) {
          int status;
          try {
            Http.Response r = http.post("/api/v1/channels/" + CHANNEL + (n % CHANNELS) + "/events", event, "X-Api-Key", TestNode.API_KEY);
            status = r.status();
            if (status == 201 || status == 200) {
              acknowledged.put(n, r.json().getLong("seq"));
            } else if (status == 503 && r.header("Retry-After") == null) {
              unavailableWithoutRetryAfter.incrementAndGet();
            }
          } catch (UncheckedIOException cut) {
            status = -1;
          }
          answers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
          if (!acknowledged.containsKey(n)) {
            Thread.sleep(200);
          }
        }
      }
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitAcknowledged(int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 180_000;
    while (acknowledged.size() < count) {
      assertThat(System.currentTimeMillis()).as("%s publishes acknowledged within 3 min; answers %s", count, answers).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Each channel's history is seq 1..500, each event once, and every receipt's seq holds that receipt's event. */
  private void assertHistoryHoldsEveryAcknowledgedEvent(Http viaNginx) {
    for (int k = 0; k < CHANNELS; k++) {
      List<JsonObject> events = viaNginx.get("/api/v1/channels/" + CHANNEL + k + "/events?limit=1000", "X-Api-Key", TestNode.API_KEY)
          .json().getJsonArray("events").stream().map(JsonObject.class::cast).toList();
      assertThat(events.stream().map(e -> e.getLong("seq")).toList()).as("history of %s%s", CHANNEL, k)
          .isEqualTo(LongStream.rangeClosed(1, EVENTS / CHANNELS).boxed().toList());
      for (JsonObject e : events) {
        int n = e.getInteger("data");
        assertThat(n % CHANNELS).isEqualTo(k);
        assertThat(acknowledged.get(n)).as("event %s's receipt named the seq history holds it at", n).isEqualTo(e.getLong("seq"));
      }
    }
  }

  /** Every chat room lists exactly its 15 swarm users on every node. */
  private static void awaitRooms(DeployedCluster cluster, long millis) throws InterruptedException {
    for (int i = 1; i <= 3; i++) {
      for (int k = 0; k < CHANNELS; k++) {
        int room = k;
        List<String> users = IntStream.range(0, CLIENTS).filter(c -> c % CHANNELS == room).mapToObj(c -> "swarm-" + c).sorted().toList();
        try {
          DeployedCluster.awaitMembers(new Http(cluster.node(i)), ROOM + k, users, millis);
        } catch (AssertionError e) {
          throw new AssertionError("node " + i + " of " + IntStream.rangeClosed(1, 3).mapToObj(n -> n + ": "
              + DeployedCluster.members(new Http(cluster.node(n)), ROOM + room)).toList(), e);
        }
      }
    }
  }

  private static final Pattern CONNECTIONS = Pattern.compile("(?m)^herald_connections\\{[^}]*} ([0-9.]+)$");

  private static double connections(int port) {
    Matcher m = CONNECTIONS.matcher(new Http(port).get("/metrics").body());
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }
}
