package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  static DeployedCluster cluster;
  static int http;
  static int https;
  static int firstNode;

  @BeforeAll
  static void start() throws Exception {
    cluster = DeployedCluster.start(3, 4); // node 4 is added by a test
    http = cluster.http;
    https = cluster.https;
    firstNode = cluster.firstNode;
  }

  @AfterAll
  static void stop() throws Exception {
    assertThat(cluster.stop()).as("PostgreSQL, four nodes and nginx were started").isEqualTo(6);
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
    cluster.run("stop-node", "2"); // SIGTERM: the node drains while publishes go on through nginx
    publisher.join(120_000);
    cluster.run("start-node", "2");
    // a draining node answers 503; nginx may answer 502 for a request it had sent on a kept-alive
    // connection the node then closed: neither is acknowledged (clients retry with the same id),
    // and no answer is a node's own failure (500)
    assertThat(answers).as("answers while node 2 drained").doesNotContain(500)
        .allMatch(status -> status == 201 || status == 200 || status == 503 || status == 502 || status == -1);
    assertThat(acknowledged).as("most publishes went through the other nodes").hasSizeGreaterThan(250);
    List<Long> history = viaNginx.get("/api/v1/channels/" + channel + "/events?limit=1000", "X-Api-Key", TestNode.API_KEY)
        .json().getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
    assertThat(history).as("every acknowledged publish is in history").containsAll(acknowledged);

    cluster.run("add"); // node 4: in the cluster, not yet behind nginx
    int fourth = firstNode + 3;
    try (BridgeClient direct = BridgeClient.connect(fourth, null)) {
      direct.subscribe(channel, new JsonObject().put("since", 0));
      assertThat(direct.deliveries(channel, history.size()).stream().map(e -> e.getLong("seq")).toList())
          .as("the new node serves full history at once").isEqualTo(history);
    }
    cluster.run("reload");
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
      DeployedCluster.awaitMembers(survivor, room, List.of("ada", "bob"), 10_000);
      cluster.run(Map.of("KILL", "1"), "stop-node", "1"); // a crash, not a drain
      DeployedCluster.awaitMembers(survivor, room, List.of(), 10_000); // the failure detector's 5 s, and the survivors' reaction
    } finally {
      onNode1.forEach(BridgeClient::close);
    }
    try (BridgeClient ada = BridgeClient.connect(http, Tokens.user("ada"))) { // reconnected, through nginx
      ada.subscribe(room);
      DeployedCluster.awaitMembers(survivor, room, List.of("ada"), 10_000);
    }
    cluster.run("start-node", "1");
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
