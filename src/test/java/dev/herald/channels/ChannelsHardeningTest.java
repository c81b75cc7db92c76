package dev.herald.channels;

import static dev.herald.channels.ChannelsRestTest.assertError;
import static dev.herald.channels.ChannelsRestTest.bearer;
import static dev.herald.channels.ChannelsRestTest.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a buggy or hostile publisher can send, and what everyone else still gets: bad input is a 400
 * naming the field, for that publisher only; the events beside it in the same group commit are stored.
 */
class ChannelsHardeningTest {

  private static final String NUL = "\\u0000"; // as JSON text: the escape, six characters
  private static final String LONE_HIGH = "\\ud800";
  private static final String LONE_LOW = "\\udc00";

  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject aggregates = new JsonObject()
        .put("visitors", new JsonObject().put("channels", new JsonArray().add("visits"))
            .put("fields", new JsonObject().put("users", "distinctCount(data.user)")));
    JsonObject namespaces = new JsonObject()
        // a drop box: any token holder may put events in, only servers may read them
        .put("drop", new JsonObject().put("subscribe", "nobody").put("publish", "authenticated"));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("aggregates", aggregates)
        .put("namespaces", namespaces));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void goodPublishesCommitBesideConcurrentBadOnes() throws Exception {
    List<String> bad = List.of(
        "{\"type\":\"a" + NUL + "b\"}",
        "{\"type\":\"t\",\"id\":\"x" + NUL + "\"}",
        "{\"type\":\"t\",\"data\":{\"text\":\"" + NUL + "\"}}",
        "{\"type\":\"t\",\"data\":{\"text\":\"" + LONE_HIGH + "x\"}}",
        "{\"type\":\"" + LONE_LOW + "\"}");
    List<Supplier<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String channel = "mixed-" + (i % 4);
      calls.add(() -> node.http.publish(channel, "good", new JsonObject().put("n", 1)));
      String body = bad.get(i % bad.size());
      calls.add(() -> node.http.post("/api/v1/channels/" + channel + "/events", body, key()));
    }
    List<Response> responses = concurrently(calls);
    for (int i = 0; i < responses.size(); i++) {
      if (i % 2 == 0) {
        assertThat(responses.get(i).status()).as(responses.get(i).body()).isEqualTo(201);
      } else {
        assertError(responses.get(i), 400, "invalid_event");
      }
    }
    long stored = 0;
    for (int c = 0; c < 4; c++) {
      stored += node.http.get("/api/v1/channels/mixed-" + c + "/events", key()).json().getLong("lastSeq");
    }
    assertThat(stored).isEqualTo(40);
  }

  @Test
  void controlCharactersAndLoneSurrogatesInTypeAndIdAreRefusedNamingTheField() {
    String path = "/api/v1/channels/fields/events";
    assertMessage(node.http.post(path, "{\"type\":\"a" + NUL + "b\"}", key()), "type");
    assertMessage(node.http.post(path, "{\"type\":\"line\\nbreak\"}", key()), "type");
    assertMessage(node.http.post(path, "{\"type\":\"" + LONE_HIGH + "\"}", key()), "type");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"id\":\"" + NUL + "\"}", key()), "id");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"id\":\"a\\u007f\"}", key()), "id");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"id\":\"" + LONE_LOW + "\"}", key()), "id");
    // a pair of surrogates is one character, and anything printable is fine
    assertThat(node.http.post(path, "{\"type\":\"smile \\ud83d\\ude00\",\"id\":\"caf\\u00e9\"}", key()).status()).isEqualTo(201);
    assertThat(node.http.get("/api/v1/channels/fields/events", key()).json().getLong("lastSeq")).isEqualTo(1);
  }

  @Test
  void dataMayHoldNeitherNulNorLoneSurrogates() {
    String path = "/api/v1/channels/payload/events";
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"data\":\"" + NUL + "\"}", key()), "data");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"data\":{\"k" + NUL + "\":1}}", key()), "data");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"data\":[\"ok\",{\"deep\":\"" + LONE_HIGH + "\"}]}", key()), "data");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"data\":\"" + LONE_LOW + LONE_HIGH + "\"}", key()), "data");
    assertMessage(node.http.post(path, "{\"type\":\"t\",\"data\":\"" + LONE_HIGH + "\"}", key()), "data");
    // an escaped backslash followed by u0000 is plain text; pairs and other control escapes are fine
    String fine = "{\"type\":\"t\",\"data\":{\"path\":\"C:\\\\u0000\",\"emoji\":\"\\ud83d\\ude00\",\"tab\":\"a\\tb\\u0001\"}}";
    Response ok = node.http.post(path, fine, key());
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    JsonObject data = node.http.get(path, key()).json().getJsonArray("events").getJsonObject(0).getJsonObject("data");
    assertThat(data.getString("path")).isEqualTo("C:\\u0000");
    assertThat(data.getString("emoji")).isEqualTo("\uD83D\uDE00");
  }

  @Test
  void aNumberBeyondWhatTheBridgeCanCarryIsRefusedNotStoredAsAString() {
    try (BridgeClient socket = node.bridge(Tokens.user("ann"))) {
      // the frame's JSON is decoded before Herald sees it: 1e999 would arrive as Infinity and go out as "Infinity"
      socket.sendRaw("{\"type\":\"send\",\"address\":\"herald.publish\",\"replyAddress\":\"big\",\"body\":"
          + "{\"channel\":\"chat:big\",\"type\":\"t\",\"data\":{\"n\":[1e999]}}}");
      JsonObject err = socket.next(f -> "big".equals(f.getString("address")));
      assertThat(err.getString("type")).as(err.encode()).isEqualTo("err");
      assertThat(err.getInteger("failureCode")).isEqualTo(400);
      assertThat(err.getString("message")).startsWith("invalid_event:").contains("data");
    }
    assertThat(node.http.get("/api/v1/channels/chat:big/events", key()).json().getLong("lastSeq")).isZero();
  }

  @Test
  void batchesAndTheBridgeFollowTheSameRules() {
    String batch = "[{\"channel\":\"rules\",\"type\":\"ok\"},{\"channel\":\"rules\",\"type\":\"t\",\"data\":\"" + NUL + "\"}]";
    Response r = node.http.post("/api/v1/events", batch, key());
    assertError(r, 400, "invalid_event");
    assertThat(r.json().getJsonObject("error").getString("message")).startsWith("item 1:").contains("data");
    assertThat(node.http.get("/api/v1/channels/rules/events", key()).json().getLong("lastSeq")).isZero();
    try (BridgeClient socket = node.bridge(Tokens.user("ann"))) {
      JsonObject err = socket.request("herald.publish", new JsonObject().put("channel", "chat:rules").put("type", "x\0y"));
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getInteger("failureCode")).isEqualTo(400);
      assertThat(err.getString("message")).startsWith("invalid_event:").contains("type");
      err = socket.request("herald.publish", new JsonObject().put("channel", "chat:rules").put("type", "t")
          .put("data", new JsonObject().put("text", "a\0b")));
      assertThat(err.getInteger("failureCode")).isEqualTo(400);
      assertThat(err.getString("message")).contains("data");
      JsonObject ok = socket.request("herald.publish", new JsonObject().put("channel", "chat:rules").put("type", "t"));
      assertThat(ok.getString("type")).isEqualTo("rec");
      assertThat(ok.getJsonObject("body").getLong("seq")).isEqualTo(1);
    }
  }

  @Test
  void aPurchaseWithNulInDataFailsAloneAndTheSaleCountsTheOthers() throws Exception {
    List<Supplier<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(() -> node.http.publish("sales", "purchase.completed", new JsonObject().put("batchCount", 1)));
      calls.add(() -> node.http.post("/api/v1/channels/sales/events",
          "{\"type\":\"purchase.completed\",\"data\":{\"batchCount\":1,\"buyer\":\"" + NUL + "\"}}", key()));
    }
    List<Response> responses = concurrently(calls);
    for (int i = 0; i < responses.size(); i++) {
      assertThat(responses.get(i).status()).as(responses.get(i).body()).isEqualTo(i % 2 == 0 ? 201 : 400);
    }
    JsonObject values = node.http.get("/api/v1/aggregates/sales").json().getJsonObject("values");
    assertThat(values.getLong("totalBatchesSold")).isEqualTo(20);
    assertThat(node.http.publish("sales", "purchase.completed", new JsonObject().put("batchCount", 2)).status()).isEqualTo(201);
  }

  @Test
  void aValueTooLongForAnIndexFailsOnlyItsOwnPublish() throws Exception {
    StringBuilder huge = new StringBuilder();
    java.util.Random random = new java.util.Random(14);
    while (huge.length() < 6000) {
      huge.append(Long.toString(random.nextLong(), 36)); // does not compress below the b-tree's limit
    }
    List<Supplier<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String user = "user-" + i;
      calls.add(() -> node.http.publish("visits", "visit", new JsonObject().put("user", user)));
      calls.add(() -> node.http.publish("visits", "visit", new JsonObject().put("user", huge.toString())));
      calls.add(() -> node.http.publish("elsewhere", "e", 1));
    }
    List<Response> responses = concurrently(calls);
    for (int i = 0; i < responses.size(); i++) {
      Response r = responses.get(i);
      if (i % 3 == 1) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().getJsonObject("error").getString("message")).isNotBlank()
            .doesNotContainIgnoringCase("insert").doesNotContainIgnoringCase("select").doesNotContain("\tat ");
      } else {
        assertThat(r.status()).as(r.body()).isEqualTo(201);
      }
    }
    assertThat(node.http.get("/api/v1/channels/visits/events", key()).json().getLong("lastSeq")).isEqualTo(20);
    assertThat(node.http.get("/api/v1/channels/elsewhere/events", key()).json().getLong("lastSeq")).isEqualTo(20);
    assertThat(node.http.get("/api/v1/aggregates/visitors").json().getJsonObject("values").getLong("users")).isEqualTo(20);
  }

  @Test
  void malformedQueryStringsGetTheJsonError() throws Exception {
    node.http.publish("queries", "t", 1);
    String path = "/api/v1/channels/queries/events";
    for (String query : List.of("?since=%", "?limit=%zz", "?since=1&limit=%", "?since=%ff%fe", "?%=1")) {
      assertJsonError(rawGet(path + query), query);
    }
    assertJsonError(rawGet("/api/v1/aggregates/sales?group=%"), "group=%");
    assertThat(node.http.get(path + "?since=0", key()).json().getLong("lastSeq")).isEqualTo(1);
  }

  private static void assertJsonError(String response, String query) {
    assertThat(response).as(query).startsWith("HTTP/1.1 400 ");
    JsonObject error = new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
    assertThat(error.getString("code")).as(query).isNotBlank();
    assertThat(error.getString("message")).as(query).isNotBlank();
  }

  /** A GET sent as bytes: Java's HTTP client refuses to send a malformed query string at all. */
  private static String rawGet(String target) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.port)) {
      socket.setSoTimeout(10_000);
      String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: " + TestNode.API_KEY
          + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void typesHeraldEmitsAreReserved() {
    List<String> reserved = List.of("presence.join", "presence.leave", "presence.update", "typing.start", "typing.stop",
        "viewers", "aggregate.snapshot", "query.snapshot", "appear", "update", "disappear", "notification",
        "inbox.read", "history.truncated");
    String chatter = Tokens.user("mallory");
    for (String type : reserved) {
      assertError(node.http.post("/api/v1/channels/chat:spoof/events", new JsonObject().put("type", type), bearer(chatter)),
          400, "reserved_type");
      assertError(node.http.post("/api/v1/channels/spoof/events", new JsonObject().put("type", type), key()),
          400, "reserved_type");
    }
    JsonArray batch = new JsonArray().add(new JsonObject().put("channel", "spoof").put("type", "ok"))
        .add(new JsonObject().put("channel", "spoof").put("type", "aggregate.snapshot"));
    assertError(node.http.post("/api/v1/events", batch, key()), 400, "reserved_type");
    try (BridgeClient socket = node.bridge(chatter)) {
      JsonObject err = socket.request("herald.publish",
          new JsonObject().put("channel", "chat:spoof").put("type", "presence.join"));
      assertThat(err.getInteger("failureCode")).isEqualTo(400);
      assertThat(err.getString("message")).startsWith("reserved_type:");
    }
    // look-alikes are ordinary types
    for (String type : List.of("updated", "presence", "viewers.count", "listing.update", "Update")) {
      assertThat(node.http.post("/api/v1/channels/chat:spoof/events", new JsonObject().put("type", type), bearer(chatter))
          .status()).as(type).isEqualTo(201);
    }
    assertThat(node.http.get("/api/v1/channels/spoof/events", key()).json().getLong("lastSeq")).isZero();
  }

  @Test
  void idsCannotBeProbedOnChannelsOneMayNotRead() {
    JsonObject secret = new JsonObject().put("type", "deposit").put("id", "txn-1")
        .put("data", new JsonObject().put("amount", 900));
    Response first = node.http.post("/api/v1/channels/drop:box/events", secret, key());
    assertThat(first.status()).isEqualTo(201);

    String outsider = Tokens.user("eve");
    JsonObject probe = new JsonObject().put("type", "guess").put("id", "txn-1");
    Response probed = node.http.post("/api/v1/channels/drop:box/events", probe, bearer(outsider));
    assertError(probed, 409, "duplicate_id");
    assertThat(probed.body()).doesNotContain("\"seq\"").doesNotContain("\"ts\"").doesNotContain("deposit");
    // in a batch, the item says it was already stored and nothing more
    JsonArray batch = new JsonArray().add(probe.copy().put("channel", "drop:box"))
        .add(new JsonObject().put("channel", "drop:box").put("type", "note").put("id", "eve-1"));
    Response items = node.http.post("/api/v1/events", batch, bearer(outsider));
    assertThat(items.status()).isEqualTo(201);
    JsonObject hidden = items.array().getJsonObject(0);
    assertThat(hidden.fieldNames()).containsExactlyInAnyOrder("channel", "id", "duplicate");
    assertThat(hidden.getBoolean("duplicate")).isTrue();
    assertThat(items.array().getJsonObject(1).getLong("seq")).isEqualTo(2);
    try (BridgeClient socket = node.bridge(outsider)) {
      JsonObject err = socket.request("herald.publish", probe.copy().put("channel", "drop:box"));
      assertThat(err.getInteger("failureCode")).isEqualTo(409);
      assertThat(err.getString("message")).startsWith("duplicate_id:").doesNotContain("seq");
    }
    // who may read the channel gets the first receipt, as before
    Response again = node.http.post("/api/v1/channels/drop:box/events", probe, key());
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(first.json());
    String member = Tokens.user("ann");
    JsonObject message = new JsonObject().put("type", "msg").put("id", "m-1");
    Response sent = node.http.post("/api/v1/channels/chat:ids/events", message, bearer(member));
    Response resent = node.http.post("/api/v1/channels/chat:ids/events", message, bearer(member));
    assertThat(resent.status()).isEqualTo(200);
    assertThat(resent.json()).isEqualTo(sent.json());
    assertThat(node.http.get("/api/v1/channels/drop:box/events", key()).json().getLong("lastSeq")).isEqualTo(2);
  }

  private static void assertMessage(Response r, String field) {
    assertError(r, 400, "invalid_event");
    assertThat(r.json().getJsonObject("error").getString("message")).startsWith(field + " ");
  }

  /** Runs every call at once (each on its own thread, released together) and returns the responses in order. */
  static List<Response> concurrently(List<Supplier<Response>> calls) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(calls.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Response>> futures = new ArrayList<>();
      for (Supplier<Response> call : calls) {
        futures.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return call.get();
        }, threads));
      }
      go.countDown();
      List<Response> responses = new ArrayList<>();
      for (CompletableFuture<Response> f : futures) {
        responses.add(f.get());
      }
      return responses;
    } finally {
      threads.shutdownNow();
    }
  }
}
