package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.herald.core.Digests;
import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Notifications for offline users, at a real local HTTP receiver: signed, retried after a backoff
 * that doubles (never sooner), sent once more after each failure and not after a success,
 * dead-lettered past the last attempt and replayable; a user online on the node gets nothing sent.
 */
class OutboundTest {

  static final String SECRET = "outbound-test-secret";
  static final long BACKOFF_MS = 300;

  /** What the receiver got: when, the headers that matter, the body. */
  record Received(long atMs, String deliveryId, String timestamp, String signature, JsonObject body) {
  }

  static HttpServer receiver;
  static final List<Received> received = new CopyOnWriteArrayList<>();
  /** Per user: how many more requests to answer 500 (absent: 200). */
  static final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
  static TestNode node;
  static String db;

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/notify", exchange -> {
      JsonObject body = new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      received.add(new Received(System.currentTimeMillis(), exchange.getRequestHeaders().getFirst("X-Herald-Delivery-Id"),
          exchange.getRequestHeaders().getFirst("X-Herald-Timestamp"), exchange.getRequestHeaders().getFirst("X-Herald-Signature"),
          body));
      AtomicInteger fail = failures.get(body.getString("userId"));
      int status = fail != null && fail.getAndDecrement() > 0 ? 500 : 200;
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
    db = TestDatabase.create();
    node = TestNode.start(new JsonObject().put("dbUrl", db).put("outbound", new JsonObject()
        .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/notify").put("secret", SECRET)
        .put("maxAttempts", 4).put("backoffMin", BACKOFF_MS + "ms").put("backoffMax", "5s").put("timeout", "2s")));
  }

  @AfterAll
  static void stop() {
    node.close();
    receiver.stop(0);
  }

  static void notify(JsonObject to, String id) {
    Http.Response r = node.http.post("/api/v1/notifications", new JsonObject().put("to", to).put("id", id)
        .put("type", "invoice.funded").put("title", "Funded"), "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  static List<Received> of(String user) {
    return received.stream().filter(r -> r.body().getString("userId").equals(user)).toList();
  }

  static void awaitCount(String user, int n) {
    Eventually.equal(() -> Math.min(n, of(user).size()), n);
  }

  @Test
  void anOfflineUsersNotificationReachesTheReceiverSigned() {
    notify(new JsonObject().put("userId", "olive"), "olive-1");
    awaitCount("olive", 1);
    Received r = of("olive").get(0);
    String body = r.body().encode();
    assertThat(r.body().getJsonObject("notification").getString("id")).isEqualTo("olive-1");
    assertThat(r.deliveryId()).isEqualTo(r.body().getString("deliveryId")).isNotBlank();
    String expected = "sha256=" + HexFormat.of().formatHex(Digests.hmacSha256(SECRET.getBytes(StandardCharsets.UTF_8),
        (r.timestamp() + "." + body).getBytes(StandardCharsets.UTF_8)));
    assertThat(r.signature()).isEqualTo(expected);
    assertThat(Long.parseLong(r.timestamp())).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(30L));
  }

  @Test
  void aReceiverThatFailsThreeTimesGetsItOnceMoreAfterEachBackoffAndThenNoMore() throws Exception {
    failures.put("petra", new AtomicInteger(3));
    notify(new JsonObject().put("userId", "petra"), "petra-1");
    awaitCount("petra", 4);
    List<Received> tries = of("petra");
    assertThat(tries).extracting(Received::deliveryId).containsOnly(tries.get(0).deliveryId());
    for (int i = 1; i < 4; i++) {
      long gap = tries.get(i).atMs() - tries.get(i - 1).atMs();
      assertThat(gap).as("wait before attempt %d", i + 1).isGreaterThanOrEqualTo(BACKOFF_MS << (i - 1));
    }
    // settled as delivered: the sender claims only pending rows, so no attempt can come after it
    Eventually.equal(() -> status("petra"), "delivered");
    assertThat(of("petra")).as("delivered: never sent again").hasSize(4);
  }

  @Test
  void aUserOnlineSomewhereGetsNothingSentOut() throws Exception {
    try (BridgeClient quinn = node.bridge(Tokens.user("quinn"))) {
      Eventually.equal(() -> node.http.get("/api/v1/channels/presence:users/presence", "X-Api-Key", TestNode.API_KEY).json()
          .getJsonArray("members").stream().anyMatch(m -> "quinn".equals(((JsonObject) m).getString("userId"))), true);
      notify(new JsonObject().put("userIds", new JsonArray().add("quinn").add("rita")), "quinn-rita-1");
      awaitCount("rita", 1);
      Eventually.equal(() -> status("quinn"), "skipped");
      assertThat(of("quinn")).as("quinn is online: the notification reached him live").isEmpty();
    }
  }

  @Test
  void pastTheLastAttemptItIsDeadLetteredAndAReplaySendsItAgain() {
    failures.put("sam", new AtomicInteger(Integer.MAX_VALUE));
    notify(new JsonObject().put("userId", "sam"), "sam-1");
    awaitCount("sam", 4);
    Eventually.equal(() -> failedFor("sam").size(), 1);
    String deliveryId = failedFor("sam").get(0).getString("deliveryId");
    assertThat(failedFor("sam").get(0).getString("lastError")).contains("500");

    failures.get("sam").set(0);
    Http.Response replay = node.http.post("/api/v1/outbound/failed/" + deliveryId + "/replay", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(replay.status()).as(replay.body()).isEqualTo(200);
    awaitCount("sam", 5);
    Eventually.equal(() -> failedFor("sam").size(), 0);
    assertThat(node.http.get("/api/v1/outbound/failed", "Authorization", "Bearer " + Tokens.user("sam")).status()).isEqualTo(403);
  }

  /** The status of the user's outbound delivery, as the queue holds it (pending, delivered, skipped, failed). */
  static String status(String user) {
    try (Connection sql = TestDatabase.connect(db);
        PreparedStatement q = sql.prepareStatement("SELECT status FROM outbound_deliveries WHERE user_id = ?")) {
      q.setString(1, user);
      try (ResultSet rows = q.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<JsonObject> failedFor(String user) {
    return node.http.get("/api/v1/outbound/failed", "X-Api-Key", TestNode.API_KEY).json().getJsonArray("deliveries").stream()
        .map(d -> (JsonObject) d).filter(d -> user.equals(d.getString("userId"))).toList();
  }
}
