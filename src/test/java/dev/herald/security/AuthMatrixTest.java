package dev.herald.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every REST route and every bridge address, called with every kind of missing, broken, forged or
 * borrowed credential: each is refused with the right code, and the rightful caller gets through.
 * The tables below must name every route and address the node serves: a new one without a row
 * fails {@link #everyRouteAndAddressHasARow}.
 */
class AuthMatrixTest extends OneNodeTest {

  /** Who is calling. Alice owns {@code user:alice}; Bob is another valid user. */
  enum Caller {
    NONE, EXPIRED, NOT_YET_VALID, WRONG_SIGNATURE, ALG_NONE, RS256_SIGNED, FORGED_ROLE, WRONG_API_KEY,
    OTHER_USER, OWNER, SERVER
  }

  /** Credentials that must never get past authentication (401), wherever they are shown. */
  static final Set<Caller> BROKEN = Set.of(Caller.EXPIRED, Caller.NOT_YET_VALID, Caller.WRONG_SIGNATURE, Caller.ALG_NONE,
      Caller.RS256_SIGNED, Caller.FORGED_ROLE, Caller.WRONG_API_KEY);

  record RestRow(HttpMethod method, String route, String path, Object body, Map<Caller, Integer> expected) {
  }

  /** A bridge frame: a register of {@code target}, or a send to an address with a body. */
  record BridgeRow(String address, String target, JsonObject body, Map<Caller, Integer> expected) {
  }

  static final int OK = 200;
  static final String DOCS = "/api/v1/collections/:collection/docs";
  static final String DOCS_OF_BILLS = "/api/v1/collections/bills/docs";
  static final String INBOX = "/api/v1/me/notifications";

  /** Alice's bills each row acts on (a row's own, so that a server's delete does not change another row's answer). */
  @BeforeAll
  static void seedBills() {
    for (String id : List.of("matrix-get", "matrix-put", "matrix-patch", "matrix-delete", "matrix-tx")) {
      assertThat(node.http.put(DOCS_OF_BILLS + "/" + id, bill(), "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(201);
    }
  }

  static final List<RestRow> REST = List.of(
      rest(HttpMethod.POST, "/api/v1/channels/:channel/events", "/api/v1/channels/user:alice/events", event(null),
          401, 403, 403, 201),
      rest(HttpMethod.POST, "/api/v1/events", "/api/v1/events", new JsonArray().add(event("user:alice")), 401, 403, 403, 201),
      rest(HttpMethod.GET, "/api/v1/channels/:channel/events", "/api/v1/channels/user:alice/events", null, 401, 403, OK, OK),
      rest(HttpMethod.GET, "/api/v1/channels/:channel/presence", "/api/v1/channels/chat:matrix/presence", null, 401, OK, OK, OK),
      rest(HttpMethod.GET, "/api/v1/channels/:channel/viewers", "/api/v1/channels/chat:matrix/viewers", null, 401, OK, OK, OK),
      rest(HttpMethod.GET, "/api/v1/aggregates/:name", "/api/v1/aggregates/sales", null, OK, OK, OK, OK),
      // totals over bills are for admins (stats namespace) and API keys: a customer, even one whose bills are counted, gets 403
      rest(HttpMethod.GET, "/api/v1/aggregates/:name", "/api/v1/aggregates/billsByStatus", null, 401, 403, 403, OK),
      rest(HttpMethod.GET, "/api/v1/aggregates/:name", "/api/v1/aggregates/billsByCustomer?group=alice", null, 401, 403, 403, OK),
      rest(HttpMethod.POST, "/api/v1/aggregates/:name/recompute", "/api/v1/aggregates/sales/recompute", new JsonObject(),
          401, 403, 403, OK),
      // documents: bills are read by their customer (alice's matrix-* bills) and written by admins and API keys;
      // a bill the caller may not read does not exist for it (404)
      rest(HttpMethod.GET, DOCS, DOCS_OF_BILLS, null, OK, OK, OK, OK),
      rest(HttpMethod.GET, DOCS + "/:id", DOCS_OF_BILLS + "/matrix-get", null, 404, 404, OK, OK),
      rest(HttpMethod.POST, DOCS, DOCS_OF_BILLS, bill(), 401, 403, 403, 201),
      rest(HttpMethod.PUT, DOCS + "/:id", DOCS_OF_BILLS + "/matrix-put", bill(), 401, 403, 403, OK),
      rest(HttpMethod.PATCH, DOCS + "/:id", DOCS_OF_BILLS + "/matrix-patch", new JsonObject().put("amount", 2), 404, 404, 403, OK),
      rest(HttpMethod.DELETE, DOCS + "/:id", DOCS_OF_BILLS + "/matrix-delete", null, 404, 404, 403, OK),
      rest(HttpMethod.POST, "/api/v1/docs/transaction", "/api/v1/docs/transaction", new JsonObject().put("writes",
          new JsonArray().add(new JsonObject().put("op", "put").put("collection", "bills").put("id", "matrix-tx").put("doc", bill()))),
          401, 403, 403, OK),
      // the inbox: servers send, each user reaches their own only (another's ids are 404); the clear comes last
      rest(HttpMethod.POST, "/api/v1/notifications", "/api/v1/notifications", notification(null), 401, 403, 403, 201),
      rest(HttpMethod.GET, INBOX, INBOX, null, 401, OK, OK, 403),
      rest(HttpMethod.POST, INBOX + "/:id/read", INBOX + "/matrix-rest-read/read", new JsonObject(), 401, 404, OK, 403),
      rest(HttpMethod.POST, INBOX + "/read-all", INBOX + "/read-all", new JsonObject(), 401, OK, OK, 403),
      rest(HttpMethod.DELETE, INBOX + "/:id", INBOX + "/matrix-rest-delete", null, 401, 404, OK, 403),
      rest(HttpMethod.DELETE, INBOX, INBOX, null, 401, OK, OK, 403),
      // webhooks: the test node's chainhook source has no secret, so it is off (404) whoever asks;
      // a delivery's own signature is what authenticates it (WebhooksTest)
      sameForAll(HttpMethod.POST, "/api/v1/webhooks/:source", "/api/v1/webhooks/chainhook", new JsonObject(), 404),
      rest(HttpMethod.GET, "/api/v1/webhooks/:source/failed", "/api/v1/webhooks/chainhook/failed", null, 401, 403, 403, 404),
      rest(HttpMethod.POST, "/api/v1/webhooks/:source/failed/:id/replay", "/api/v1/webhooks/chainhook/failed/x/replay",
          new JsonObject(), 401, 403, 403, 404),
      rest(HttpMethod.GET, "/api/v1/outbound/failed", "/api/v1/outbound/failed", null, 401, 403, 403, OK),
      rest(HttpMethod.POST, "/api/v1/outbound/failed/:id/replay", "/api/v1/outbound/failed/x/replay", new JsonObject(),
          401, 403, 403, 404),
      publicRoute("/health/live"),
      // for operators: not behind a token, and kept from the public by the proxy (deploy/nginx.conf)
      publicRoute("/metrics"),
      publicRoute("/health/ready"),
      publicRoute("/openapi.yaml"),
      publicRoute("/docs"));

  static final List<BridgeRow> BRIDGE = List.of(
      bridge("register", "user:alice", null, 401, 403, OK),
      // anyone may run a live query: the collection's read rule filters what it gets
      bridge("register", "live:bills:matrix", null, OK, OK, OK),
      bridge("register", "stats:billsByStatus", null, 401, 403, 403),
      bridge("register", "stats:billsByCustomer:alice", null, 401, 403, 403),
      bridge("herald.publish", null, event("chat:matrix"), 401, OK, OK),
      bridge("herald.history", null, new JsonObject().put("channel", "user:alice"), 401, 403, OK),
      bridge("herald.presence", null, new JsonObject().put("channel", "chat:matrix"), 401, OK, OK),
      bridge("herald.typing", "chat:matrix", new JsonObject().put("channel", "chat:matrix").put("typing", true), 401, OK, OK),
      bridge("herald.presence.update", "chat:matrix", new JsonObject().put("channel", "chat:matrix")
          .put("info", new JsonObject().put("status", "away")), 401, OK, OK),
      bridge("herald.inbox.list", null, new JsonObject(), 401, OK, OK),
      bridge("herald.inbox.read", null, new JsonObject().put("id", "matrix-bridge-read"), 401, 404, OK),
      bridge("herald.inbox.readAll", null, new JsonObject(), 401, OK, OK),
      bridge("herald.inbox.delete", null, new JsonObject().put("id", "matrix-bridge-delete"), 401, 404, OK),
      bridge("herald.inbox.clear", null, new JsonObject(), 401, OK, OK),
      // bills are written by admins only: neither customer may, over the bridge as over REST
      bridge("herald.docs.write", null, new JsonObject().put("op", "put").put("collection", "bills").put("id", "matrix-bridge-put")
          .put("doc", bill()), 401, 403, 403),
      bridge("herald.ping", null, new JsonObject(), OK, OK, OK),
      // totals over bills are for admins: a customer is refused, over the bridge as over REST
      bridge("herald.aggregate", null, new JsonObject().put("name", "billsByStatus"), 401, 403, 403),
      // last: it changes the socket's own identity, which the rows above must not inherit
      bridge("herald.auth", null, new JsonObject(), 401, OK, OK));

  @Test
  void everyRestRouteRefusesWhoItMustAndServesWhoItMay() {
    sendToAlice("matrix-rest-"); // here, not before all: the other test clears alice's inbox
    List<String> wrong = new ArrayList<>();
    for (RestRow row : REST) {
      row.expected().forEach((caller, status) -> {
        Http.Response r = call(row, caller);
        if (r.status() != status) {
          wrong.add(row.method() + " " + row.path() + " as " + caller + ": " + r.status() + " " + r.body() + ", expected " + status);
        } else if (status >= 400) {
          // a refusal is always the JSON error, never a stack trace
          assertThat(r.json().getJsonObject("error").getString("code")).as(row.path() + " " + caller).isNotBlank();
        }
      });
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyBridgeAddressRefusesWhoItMustAndServesWhoItMay() {
    sendToAlice("matrix-bridge-");
    List<String> wrong = new ArrayList<>();
    try (BridgeClient client = node.bridge()) {
      for (BridgeRow row : BRIDGE) {
        row.expected().forEach((caller, code) -> {
          int got = call(client, row, caller);
          if (got != code) {
            wrong.add(row.address() + " as " + caller + ": " + got + ", expected " + code);
          }
        });
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyRouteAndAddressHasARow() {
    Router router = Router.router(node.herald.vertx());
    node.herald.modules().forEach(m -> m.mount(router));
    Set<String> served = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(m -> served.add(m + " " + route.getPath()));
      }
    }
    Set<String> covered = new TreeSet<>();
    REST.forEach(r -> covered.add(r.method() + " " + r.route()));
    assertThat(covered).as("REST routes with a row").isEqualTo(served);

    Set<String> addresses = new TreeSet<>(Set.of("register", "herald.auth", "herald.ping")); // the protocol's own
    node.herald.modules().forEach(m -> addresses.addAll(m.bridgeServices().keySet()));
    Set<String> rows = new TreeSet<>();
    BRIDGE.forEach(r -> rows.add(r.address()));
    assertThat(rows).as("bridge addresses with a row").isEqualTo(addresses);
  }

  // ---- the calls ----

  private static Http.Response call(RestRow row, Caller caller) {
    String[] headers = headers(caller);
    if (row.method() == HttpMethod.GET) {
      return node.http.get(row.path(), headers);
    }
    if (row.method() == HttpMethod.DELETE) {
      return node.http.delete(row.path(), headers);
    }
    return node.http.send(row.method().name(), row.path(), row.body(), headers);
  }

  /** The failure code of the answer, or 200 when the frame was served. */
  private static int call(BridgeClient client, BridgeRow row, Caller caller) {
    JsonObject headers = new JsonObject();
    String token = token(caller);
    if (token != null && !row.address().equals("herald.auth")) {
      headers.put("token", token);
    }
    if (row.target() != null) {
      // a register is the row itself, or makes the caller a subscriber (typing is for subscribers)
      int registered = code(register(client, row.target(), headers));
      if (row.address().equals("register")) {
        client.unregister(row.target());
        return registered;
      }
    }
    JsonObject body = row.address().equals("herald.auth") && token != null ? row.body().copy().put("token", token) : row.body();
    return code(client.request(row.address(), body, headers));
  }

  /** Registers with a replyAddress; the ack, or the err addressed to the channel. */
  private static JsonObject register(BridgeClient client, String channel, JsonObject headers) {
    String ack = UUID.randomUUID().toString();
    client.sendRaw(new JsonObject().put("type", "register").put("address", channel).put("headers", headers)
        .put("replyAddress", ack).encode());
    return client.next(f -> ack.equals(f.getString("address"))
        || ("err".equals(f.getString("type")) && channel.equals(f.getString("address"))));
  }

  private static int code(JsonObject frame) {
    return "err".equals(frame.getString("type")) ? frame.getInteger("failureCode") : OK;
  }

  private static String[] headers(Caller caller) {
    if (caller == Caller.SERVER) {
      return new String[] {"X-Api-Key", TestNode.API_KEY};
    }
    if (caller == Caller.WRONG_API_KEY) {
      return new String[] {"X-Api-Key", "not-" + TestNode.API_KEY};
    }
    String token = token(caller);
    return token == null ? new String[0] : new String[] {"Authorization", "Bearer " + token};
  }

  private static String token(Caller caller) {
    long now = System.currentTimeMillis() / 1000;
    return switch (caller) {
      case NONE, SERVER, WRONG_API_KEY -> null;
      case EXPIRED -> Tokens.expired("alice");
      case NOT_YET_VALID -> Tokens.hs256(new JsonObject().put("sub", "alice").put("nbf", now + 3600).put("exp", now + 7200),
          TestNode.JWT_SECRET);
      case WRONG_SIGNATURE -> Tokens.wrongSecret("alice");
      case ALG_NONE -> Tokens.algNone("alice");
      case RS256_SIGNED -> rs256(new JsonObject().put("sub", "alice").put("exp", now + 3600));
      case FORGED_ROLE -> Tokens.hs256(new JsonObject().put("sub", "mallory").put("roles", new JsonArray().add("admin"))
          .put("exp", now + 3600), "a-secret-mallory-made-up-0123456789");
      case OTHER_USER -> Tokens.user("bob");
      case OWNER -> Tokens.user("alice");
    };
  }

  /** HS/RS confusion: a token signed with an RSA key of the caller's own, on a node that verifies HS256. */
  private static String rs256(JsonObject claims) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String input = b64.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "JWT").encode()
          .getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(generator.generateKeyPair().getPrivate());
      signer.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64.encodeToString(signer.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- the tables' rows ----

  /** Alice's notifications the inbox rows read and delete. */
  private static void sendToAlice(String prefix) {
    for (String what : List.of("read", "delete")) {
      assertThat(node.http.post("/api/v1/notifications", notification(prefix + what), "X-Api-Key", TestNode.API_KEY).status())
          .isEqualTo(201);
    }
  }

  private static JsonObject notification(String id) {
    JsonObject n = new JsonObject().put("to", new JsonObject().put("userId", "alice")).put("type", "matrix").put("title", "Matrix");
    return id == null ? n : n.put("id", id);
  }

  private static JsonObject bill() {
    return new JsonObject().put("customerId", "alice").put("amount", 1);
  }

  private static JsonObject event(String channel) {
    JsonObject e = new JsonObject().put("type", "matrix.test").put("data", new JsonObject().put("n", 1));
    return channel == null ? e : e.put("channel", channel);
  }

  /** A protected route: broken credentials 401, and what no credential, another user, the owner and a server get. */
  private static RestRow rest(HttpMethod method, String route, String path, Object body, int none, int other, int owner,
      int server) {
    Map<Caller, Integer> expected = new EnumMap<>(Caller.class);
    BROKEN.forEach(c -> expected.put(c, 401));
    expected.put(Caller.NONE, none);
    expected.put(Caller.OTHER_USER, other);
    expected.put(Caller.OWNER, owner);
    expected.put(Caller.SERVER, server);
    return new RestRow(method, route, path, body, expected);
  }

  /** Health and the API docs: served to anyone, whatever credentials come along. */
  private static RestRow publicRoute(String path) {
    return sameForAll(HttpMethod.GET, path, path, null, OK);
  }

  /** A route that does not look at Herald credentials at all (health, a webhook: its source verifies it). */
  private static RestRow sameForAll(HttpMethod method, String route, String path, Object body, int status) {
    Map<Caller, Integer> expected = new EnumMap<>(Caller.class);
    for (Caller c : Caller.values()) {
      expected.put(c, status);
    }
    return new RestRow(method, route, path, body, expected);
  }

  /** On the bridge a token comes on the frame; API keys are for REST, so the key rows do not apply. */
  private static BridgeRow bridge(String address, String target, JsonObject body, int none, int other, int owner) {
    Map<Caller, Integer> expected = new EnumMap<>(Caller.class);
    BROKEN.stream().filter(c -> c != Caller.WRONG_API_KEY).forEach(c -> expected.put(c, 401));
    expected.put(Caller.NONE, none);
    expected.put(Caller.OTHER_USER, other);
    expected.put(Caller.OWNER, owner);
    return new BridgeRow(address, target, body, expected);
  }
}
