package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Herald as deploy/cluster.sh runs it: PostgreSQL, three nodes joined through cluster.xml, nginx in
 * front over HTTP and HTTPS. Through nginx, raw WebSocket, wss:// and SockJS subscribers on
 * whichever node nginx picked get every event published over HTTP and HTTPS, in order; /metrics is
 * not exposed; a node drained with SIGTERM under publishes loses none it acknowledged; a fourth
 * node serves full history at once and gets traffic once nginx reloads; the users of a node killed
 * with SIGKILL leave the survivors' presence within 10 s and are back once they reconnect through
 * nginx; and stop leaves none of the processes it started.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the second adds a fourth node
class DeployClusterTest {

  static final Path SCRIPT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("deploy/cluster.sh");
  static Path state;
  static Map<String, String> env;
  static int http;
  static int https;
  static int firstNode;

  @BeforeAll
  static void start() throws Exception {
    // PostgreSQL runs as the postgres user, who must reach its data dir: not under a 0700 temp dir
    Path dir = Files.createTempDirectory("herald-deploy");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    state = dir.resolve("state");
    http = TestNode.freePort();
    https = TestNode.freePort();
    firstNode = freeRun(4); // node 4 is added by a test
    env = new HashMap<>(Map.of("HERALD_DEPLOY_DIR", state.toString(), "HERALD_DEPLOY_HTTP_PORT", String.valueOf(http),
        "HERALD_DEPLOY_HTTPS_PORT", String.valueOf(https), "HERALD_DEPLOY_NODE_PORT", String.valueOf(firstNode),
        "HERALD_DEPLOY_PG_PORT", String.valueOf(TestNode.freePort()), "HERALD_CLUSTER_NAME", "deploy-test-" + ProcessHandle.current().pid(),
        "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_JWT_SECRET", TestNode.JWT_SECRET));
    run("start", "3");
  }

  @AfterAll
  static void stop() throws Exception {
    List<Long> pids = new ArrayList<>();
    try (var files = Files.list(state)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        pids.add(Long.parseLong(Files.readString(f).trim()));
      }
    }
    run("stop");
    assertThat(pids).as("PostgreSQL, four nodes and nginx were started").hasSize(6);
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %s after stop", pid).isFalse();
    }
  }

  @Test
  @Order(1)
  void subscribersBehindNginxGetEveryEventInOrderOverEveryTransportAndMetricsStayPrivate() throws Exception {
    String channel = "market:deploy";
    try (BridgeClient raw = BridgeClient.connect(http, null);
        BridgeClient tls = BridgeClient.connectTls(https);
        BridgeClient sockJs = BridgeClient.connectSockJs(http)) {
      raw.subscribe(channel);
      tls.subscribe(channel);
      sockJs.subscribe(channel);
      Http viaNginx = new Http(http);
      for (int i = 1; i <= 20; i++) {
        assertThat(viaNginx.publish(channel, "n", i).status()).isEqualTo(201);
      }
      HttpResponse<String> overTls = insecureClient().send(HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + https + "/api/v1/channels/" + channel + "/events"))
          .header("Content-Type", "application/json").header("X-Api-Key", TestNode.API_KEY)
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("type", "n").put("data", 21).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(overTls.statusCode()).isEqualTo(201);
      for (BridgeClient client : List.of(raw, tls, sockJs)) {
        assertThat(client.deliveries(channel, 21).stream().map(e -> e.getLong("seq")).toList())
            .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 21).boxed().toList());
      }
    }
    assertThat(new Http(http).get("/metrics").status()).as("nginx keeps /metrics private").isEqualTo(404);
    for (int i = 0; i < 3; i++) {
      String metrics = new Http(firstNode + i).get("/metrics").body();
      assertThat(metrics).as("node %s", i + 1).contains("herald_cluster_members 3.0");
    }
  }

  @Test
  @Order(2)
  void aNodeDrainedBehindNginxLosesNoAcknowledgedPublishAndAFourthNodeServesFullHistoryThenTraffic() throws Exception {
    String channel = "market:deploy-drain";
    Http viaNginx = new Http(http);
    List<Long> acknowledged = new ArrayList<>();
    List<Integer> answers = new ArrayList<>();
    Thread publisher = new Thread(() -> {
      for (int i = 1; i <= 300; i++) {
        try {
          Http.Response r = viaNginx.post("/api/v1/channels/" + channel + "/events",
              new JsonObject().put("type", "n").put("data", i).put("id", "drain-" + i), "X-Api-Key", TestNode.API_KEY);
          answers.add(r.status());
          if (r.status() == 201 || r.status() == 200) {
            acknowledged.add(r.json().getLong("seq"));
          }
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          answers.add(-1); // the connection was cut: not acknowledged
        }
      }
    });
    publisher.start();
    run("stop-node", "2"); // SIGTERM: the node drains while publishes go on through nginx
    publisher.join(120_000);
    run("start-node", "2");
    // a draining node answers 503; nginx may answer 502 for a request it had sent on a kept-alive
    // connection the node then closed: neither is acknowledged (clients retry with the same id),
    // and no answer is a node's own failure (500)
    assertThat(answers).as("answers while node 2 drained").doesNotContain(500)
        .allMatch(status -> status == 201 || status == 200 || status == 503 || status == 502 || status == -1);
    assertThat(acknowledged).as("most publishes went through the other nodes").hasSizeGreaterThan(250);
    List<Long> history = viaNginx.get("/api/v1/channels/" + channel + "/events?limit=1000", "X-Api-Key", TestNode.API_KEY)
        .json().getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
    assertThat(history).as("every acknowledged publish is in history").containsAll(acknowledged);

    run("add"); // node 4: in the cluster, not yet behind nginx
    int fourth = firstNode + 3;
    try (BridgeClient direct = BridgeClient.connect(fourth, null)) {
      direct.subscribe(channel, new JsonObject().put("since", 0));
      assertThat(direct.deliveries(channel, history.size()).stream().map(e -> e.getLong("seq")).toList())
          .as("the new node serves full history at once").isEqualTo(history);
    }
    run("reload");
    List<BridgeClient> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < 24; i++) { // SockJS sessions are hashed across the nodes nginx now knows
        sessions.add(BridgeClient.connectSockJs(http));
      }
      assertThat(new Http(fourth).get("/metrics").body()).as("nginx sends the fourth node traffic after the reload")
          .containsPattern("herald_connections\\{transport=\"sockjs-websocket\"\\} [1-9]");
    } finally {
      sessions.forEach(BridgeClient::close);
    }
  }

  @Test
  @Order(3)
  void usersOfAKilledNodeLeaveEveryoneElsesPresenceWithinTenSecondsAndComeBackThroughNginx() throws Exception {
    String room = "chat:deploy";
    Http survivor = new Http(firstNode + 2); // node 3
    List<BridgeClient> onNode1 = new ArrayList<>();
    try {
      for (String user : List.of("ada", "bob")) {
        BridgeClient c = BridgeClient.connect(firstNode, Tokens.user(user)); // straight to node 1
        c.subscribe(room);
        onNode1.add(c);
      }
      awaitMembers(survivor, room, List.of("ada", "bob"), 10_000);
      run(Map.of("KILL", "1"), "stop-node", "1"); // a crash, not a drain
      awaitMembers(survivor, room, List.of(), 10_000); // the failure detector's 5 s, and the survivors' reaction
    } finally {
      onNode1.forEach(BridgeClient::close);
    }
    try (BridgeClient ada = BridgeClient.connect(http, Tokens.user("ada"))) { // reconnected, through nginx
      ada.subscribe(room);
      awaitMembers(survivor, room, List.of("ada"), 10_000);
    }
    run("start-node", "1");
  }

  private static void awaitMembers(Http node, String room, List<String> expected, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    List<String> members = List.of();
    while (System.currentTimeMillis() < deadline) {
      members = node.get("/api/v1/channels/" + room + "/presence", "X-Api-Key", TestNode.API_KEY).json().getJsonArray("members")
          .stream().map(m -> ((JsonObject) m).getString("userId")).sorted().toList();
      if (members.equals(expected)) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(members).as("presence of %s on a surviving node within %s ms", room, millis).isEqualTo(expected);
  }

  /** The first of n consecutive ports free on 127.0.0.1 now. */
  private static int freeRun(int n) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + (int) (Math.random() * 30_000);
      boolean free = true;
      for (int p = base; p < base + n && free; p++) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + n + " free ports");
  }

  private static void run(String... args) throws Exception {
    run(Map.of(), args);
  }

  /** deploy/cluster.sh with these arguments, and these variables beside the cluster's own. */
  private static void run(Map<String, String> extra, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().putAll(extra);
    Path log = Files.createTempFile("deploy-", ".log");
    Process p = pb.redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("deploy/cluster.sh %s finished", String.join(" ", args)).isTrue();
    assertThat(p.exitValue()).as("deploy/cluster.sh %s: %s", String.join(" ", args), Files.readString(log)).isZero();
  }

  private static HttpClient insecureClient() throws Exception {
    TrustManager[] trustAll = {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }};
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trustAll, new SecureRandom());
    return HttpClient.newBuilder().sslContext(tls).build();
  }
}
