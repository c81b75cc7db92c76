package dev.herald.dev;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The development-mode steps the console's scenarios use, tried as a careless or hostile client
 * would: without a token, with bad bodies, racing for the last batches, asking twice.
 */
class DevDesksTest {

  static TestNode node;
  static String apiKey;

  @BeforeAll
  static void start() throws Exception {
    Path dataDir = Files.createTempDirectory("dev-desks");
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("dataDir", dataDir.toString())
        .put("jwt", new JsonObject().put("secret", "")).put("apiKeys", "")
        .put("aggregates", new JsonObject().put("sales", new JsonObject().put("goal", new JsonObject().put("target", 30)))));
    apiKey = new JsonObject(Files.readString(dataDir.resolve("dev-credentials.json"))).getString("apiKey");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String token(String sub, String... roles) {
    return node.http.post("/dev/token", new JsonObject().put("sub", sub).put("roles", List.of(roles))).json().getString("token");
  }

  /** The buyer's own purchase document, pending, as the page writes it; answers its id. */
  static String purchase(String bearer, String buyerId, Object batchCount) {
    String id = "p-" + java.util.UUID.randomUUID();
    Http.Response r = node.http.put("/api/v1/collections/purchases/docs/" + id,
        new JsonObject().put("buyerId", buyerId).put("batchCount", batchCount).put("status", "pending"), "Authorization", bearer);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return id;
  }

  static Http.Response pay(String bearer, String id) {
    return node.http.post("/dev/token-sale/purchases/" + id + "/pay", new JsonObject(), "Authorization", bearer);
  }

  @Test
  void racingBuyersNeverOversellTheGoalAndBadPurchasesAreRefused() throws Exception {
    String buyer = "Bearer " + token("racer");
    String other = "Bearer " + token("other");
    assertThat(node.http.put("/api/v1/collections/purchases/docs/p-forged", new JsonObject().put("buyerId", "racer")
        .put("batchCount", 1).put("status", "pending"), "Authorization", other).status()).as("nobody buys in another's name").isEqualTo(403);
    assertThat(node.http.put("/api/v1/collections/purchases/docs/p-done", new JsonObject().put("buyerId", "racer")
        .put("batchCount", 1).put("status", "completed"), "Authorization", buyer).status()).as("a purchase starts pending").isEqualTo(403);
    String mine = purchase(buyer, "racer", 1);
    assertThat(node.http.patch("/api/v1/collections/purchases/docs/" + mine, new JsonObject().put("status", "completed"),
        "Authorization", buyer).status()).as("only the shop moves it on").isIn(403, 404);
    assertThat(node.http.post("/dev/token-sale/purchases/" + mine + "/pay", new JsonObject()).status()).isEqualTo(401);
    assertThat(pay(other, mine).status()).as("another's purchase does not exist for you").isEqualTo(404);
    for (Object bad : List.of(0, 11, 2.5, "3", Long.MAX_VALUE, -1)) {
      Http.Response r = pay(buyer, purchase(buyer, "racer", bad));
      assertThat(r.status()).as("%s: %s", bad, r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_purchase");
    }

    List<String> purchases = new ArrayList<>();
    for (int i = 0; i < 16; i++) { // 160 batches asked for, 30 to sell
      purchases.add(purchase(buyer, "racer", 10));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> answers = new ArrayList<>();
    for (String id : purchases) {
      answers.add(pool.submit(() -> pay(buyer, id).status()));
    }
    answers.add(pool.submit(() -> pay(buyer, purchases.get(0)).status())); // paid twice
    List<Integer> statuses = new ArrayList<>();
    for (Future<Integer> a : answers) {
      statuses.add(a.get());
    }
    pool.shutdown();
    assertThat(statuses).containsOnly(202, 200, 409);
    assertThat(statuses.stream().filter(s -> s == 202).count()).as("%s", statuses).isEqualTo(3);
    long deadline = System.currentTimeMillis() + 15_000;
    long sold = 0;
    while (System.currentTimeMillis() < deadline && sold < 30) {
      sold = node.http.get("/api/v1/aggregates/sales").json().getJsonObject("values").getLong("totalBatchesSold");
      Thread.sleep(100);
    }
    assertThat(sold).as("the three accepted purchases complete, and no more").isEqualTo(30);
    Thread.sleep(500);
    assertThat(node.http.get("/api/v1/aggregates/sales").json().getJsonObject("values").getLong("totalBatchesSold")).isEqualTo(30);
    Http.Response soldOut = pay(buyer, purchase(buyer, "racer", 1));
    assertThat(soldOut.status()).isEqualTo(409);
    assertThat(soldOut.errorCode()).isEqualTo("sold_out");
    assertThat(pay(buyer, mine).errorCode()).isEqualTo("sold_out");
  }

  @Test
  void sampleBlocksNeedAUserAndAWellFormedRequestAndRollBackOnce() {
    String user = "Bearer " + token("miner");
    assertThat(node.http.post("/dev/chainhook/sample", new JsonObject()).status()).isEqualTo(401);
    assertThat(node.http.post("/dev/chainhook/sample", "{", "Authorization", user).errorCode()).isEqualTo("invalid_json");
    Http.Response nothing = node.http.post("/dev/chainhook/sample", new JsonObject().put("rollback", true), "Authorization", user);
    assertThat(nothing.status()).isEqualTo(409);
    assertThat(nothing.errorCode()).isEqualTo("nothing_to_roll_back");
    Http.Response sent = node.http.post("/dev/chainhook/sample", new JsonObject(), "Authorization", user);
    assertThat(sent.status()).as(sent.body()).isEqualTo(200);
    assertThat(sent.json().getJsonObject("webhook").getInteger("status")).isBetween(200, 299);
    assertThat(node.http.post("/dev/chainhook/sample", new JsonObject().put("rollback", true), "Authorization", user).status()).isEqualTo(200);
    assertThat(node.http.post("/dev/chainhook/sample", new JsonObject().put("rollback", true), "Authorization", user).status())
        .as("a block rolls back once").isEqualTo(409);
  }

  @Test
  void theSellerIsToldOncePerFundedInvoiceAndOnlyOfFundedOnes() {
    String seller = "Bearer " + token("sal", "seller");
    String investor = "Bearer " + token("ines", "investor");
    String docs = "/api/v1/collections/invoices/docs/";
    JsonObject invoice = new JsonObject().put("sellerId", "sal").put("investorId", "").put("amount", 700).put("status", "listed");
    assertThat(node.http.put(docs + "inv-1", invoice, "Authorization", seller).status()).isEqualTo(201);
    assertThat(node.http.put(docs + "inv-2", invoice.copy().put("sellerId", "someone-else"), "Authorization", seller).status())
        .as("a seller lists only as themselves").isEqualTo(403);
    assertThat(node.http.post("/dev/invoices/inv-1/funded", new JsonObject()).status()).isEqualTo(401);
    assertThat(node.http.post("/dev/invoices/inv-1/funded", new JsonObject(), "Authorization", investor).errorCode()).isEqualTo("not_funded");
    assertThat(node.http.post("/dev/invoices/nope/funded", new JsonObject(), "Authorization", investor).status()).isEqualTo(404);

    assertThat(node.http.patch(docs + "inv-1", new JsonObject().put("status", "funded").put("investorId", "someone"),
        "Authorization", investor).status()).as("an investor funds only as themselves").isEqualTo(403);
    assertThat(node.http.patch(docs + "inv-1", new JsonObject().put("status", "funded").put("investorId", "ines"),
        "Authorization", investor).status()).isEqualTo(200);
    assertThat(node.http.patch(docs + "inv-1", new JsonObject().put("status", "listed"), "Authorization", seller).status())
        .as("the seller cannot take it back once funded").isIn(403, 404);
    for (int i = 0; i < 2; i++) {
      assertThat(node.http.post("/dev/invoices/inv-1/funded", new JsonObject(), "Authorization", investor).status()).isEqualTo(200);
    }
    JsonObject inbox = node.http.get("/api/v1/me/notifications", "Authorization", seller).json();
    assertThat(inbox.getInteger("unreadCount")).as("told once, however often asked").isEqualTo(1);
    assertThat(inbox.getJsonArray("notifications").getJsonObject(0).getString("type")).isEqualTo("invoice.funded");
    assertThat(node.http.get("/api/v1/me/notifications", "Authorization", investor).json().getInteger("unreadCount")).isZero();
  }
}
