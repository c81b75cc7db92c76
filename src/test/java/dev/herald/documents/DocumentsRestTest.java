package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Documents over REST as a user sees them: revs and conditional writes, row rules (own documents
 * only, before and after an update), transactions that commit all or nothing, paged lists, and bad
 * input that fails alone with a clear error.
 */
class DocumentsRestTest {

  private static final String KEY = TestNode.API_KEY;
  private static TestNode node;
  private static Http http;

  @BeforeAll
  static void start() {
    JsonObject collections = new JsonObject()
        .put("notes", new JsonObject().put("read", "doc.owner == auth.sub").put("write", "doc.owner == auth.sub"))
        .put("stock", new JsonObject().put("read", "authenticated").put("write", "'admin' in auth.roles")
            .put("channel", "docs:stock"));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("collections", collections));
    http = node.http;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String[] server(String... more) {
    List<String> h = new ArrayList<>(List.of("X-Api-Key", KEY));
    h.addAll(List.of(more));
    return h.toArray(new String[0]);
  }

  private static String[] bearer(String token, String... more) {
    List<String> h = new ArrayList<>(List.of("Authorization", "Bearer " + token));
    h.addAll(List.of(more));
    return h.toArray(new String[0]);
  }

  private static String doc(String collection, String id) {
    return "/api/v1/collections/" + collection + "/docs/" + id;
  }

  @Test
  void everyWriteAnswersTheStoredDocWithItsRev() {
    Http.Response created = http.post("/api/v1/collections/products/docs", new JsonObject().put("name", "pen"), server());
    assertThat(created.status()).isEqualTo(201);
    JsonObject pen = created.json();
    assertThat(pen.getString("_id")).isNotBlank();
    assertThat(pen.getLong("_rev")).isEqualTo(1);
    assertThat(pen.getString("_updatedAt")).isNotBlank();
    assertThat(http.get(doc("products", pen.getString("_id")), server()).json()).isEqualTo(pen);

    assertThat(http.put(doc("products", "cup"), new JsonObject().put("name", "cup").put("color", "red"), server()).status())
        .isEqualTo(201);
    Http.Response replaced = http.put(doc("products", "cup"), new JsonObject().put("name", "mug"), server());
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().getLong("_rev")).isEqualTo(2);
    assertThat(replaced.json().containsKey("color")).as("a put replaces the whole document").isFalse();

    Http.Response patched = http.patch(doc("products", "cup"),
        new JsonObject().put("name", null).put("size", new JsonObject().put("ml", 300)), server());
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getLong("_rev")).isEqualTo(3);
    assertThat(patched.json().containsKey("name")).as("null removes a field (JSON merge patch)").isFalse();
    assertThat(patched.json().getJsonObject("size").getInteger("ml")).isEqualTo(300);

    Http.Response deleted = http.delete(doc("products", "cup"), server());
    assertThat(deleted.json()).isEqualTo(new JsonObject().put("_id", "cup").put("_rev", 4));
    assertThat(http.get(doc("products", "cup"), server()).status()).isEqualTo(404);
    assertThat(http.delete(doc("products", "cup"), server()).status()).isEqualTo(404);
    assertThat(http.patch(doc("products", "cup"), new JsonObject(), server()).status()).isEqualTo(404);
  }

  @Test
  void ifMatchMakesAWriteConditionalAndRevsNeverRepeatAcrossADelete() {
    http.put(doc("products", "lamp"), new JsonObject().put("watts", 40), server());
    Http.Response stale = http.put(doc("products", "lamp"), new JsonObject().put("watts", 60), server("If-Match", "7"));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.errorCode()).isEqualTo("rev_mismatch");
    assertThat(stale.json().getJsonObject("current").getInteger("watts")).isEqualTo(40);
    assertThat(http.put(doc("products", "lamp"), new JsonObject().put("watts", 60), server("If-Match", "0")).status())
        .as("0 means only if absent").isEqualTo(409);
    assertThat(http.put(doc("products", "lamp"), new JsonObject().put("watts", 60), server("If-Match", "\"1\"")).status())
        .as("an ETag-quoted rev").isEqualTo(200);
    assertThat(http.put(doc("products", "lamp"), new JsonObject(), server("If-Match", "one")).errorCode())
        .isEqualTo("invalid_if_match");

    http.delete(doc("products", "lamp"), server());
    assertThat(http.put(doc("products", "lamp"), new JsonObject().put("watts", 5), server("If-Match", "2")).status())
        .as("a rev from before the delete does not match the absent doc").isEqualTo(409);
    Http.Response again = http.put(doc("products", "lamp"), new JsonObject().put("watts", 5), server("If-Match", "0"));
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.json().getLong("_rev")).as("revs go on after the delete").isEqualTo(4);
    assertThat(http.put(doc("products", "lamp"), new JsonObject(), server("If-Match", "1")).status()).isEqualTo(409);
  }

  @Test
  void rowRulesHideOthersDocumentsAndRefuseWritesOutOfTheWritersOwnRule() {
    String alice = Tokens.user("alice");
    String bob = Tokens.user("bob");
    assertThat(http.put(doc("notes", "n1"), new JsonObject().put("owner", "alice").put("text", "hi"), bearer(alice)).status())
        .isEqualTo(201);
    assertThat(http.put(doc("notes", "n2"), new JsonObject().put("owner", "alice"), bearer(bob)).status())
        .as("bob may not create alice's note").isEqualTo(403);
    assertThat(http.get(doc("notes", "n1"), bearer(bob)).status()).isEqualTo(404);
    assertThat(http.patch(doc("notes", "n1"), new JsonObject().put("text", "x"), bearer(bob)).status()).isEqualTo(404);
    assertThat(http.delete(doc("notes", "n1"), bearer(bob)).status()).isEqualTo(404);
    assertThat(http.put(doc("notes", "n1"), new JsonObject().put("owner", "bob"), bearer(bob)).status())
        .as("a put over a doc bob cannot see is the create refusal, not a takeover").isEqualTo(403);
    Http.Response giveAway = http.patch(doc("notes", "n1"), new JsonObject().put("owner", "bob"), bearer(alice));
    assertThat(giveAway.status()).as("the new version must satisfy the update rule too").isEqualTo(403);
    assertThat(http.get(doc("notes", "n1"), bearer(alice)).json().getString("owner")).isEqualTo("alice");
    assertThat(http.get("/api/v1/collections/notes/docs", bearer(bob)).json().getJsonArray("docs")).isEmpty();
    assertThat(http.get("/api/v1/collections/notes/docs", bearer(alice)).json().getJsonArray("docs")).hasSize(1);
    assertThat(http.get(doc("notes", "n1")).status()).as("anonymous").isEqualTo(404);
    assertThat(http.post("/api/v1/collections/notes/docs", new JsonObject().put("owner", "x")).status()).isEqualTo(401);
  }

  @Test
  void shippedBillRulesHoldForACustomerTokenWithoutRoles() {
    http.put(doc("bills", "r1"), new JsonObject().put("customerId", "carol").put("amount", 5), server());
    http.put(doc("bills", "r2"), new JsonObject().put("customerId", "dave").put("amount", 6), server());
    String carol = Tokens.user("carol"); // no roles claim at all
    assertThat(http.get(doc("bills", "r1"), bearer(carol)).status()).isEqualTo(200);
    assertThat(http.get(doc("bills", "r2"), bearer(carol)).status()).isEqualTo(404);
    assertThat(http.patch(doc("bills", "r1"), new JsonObject().put("amount", 0), bearer(carol)).status()).isEqualTo(403);
    JsonArray carols = http.get("/api/v1/collections/bills/docs", bearer(carol)).json().getJsonArray("docs");
    assertThat(carols.stream().map(d -> ((JsonObject) d).getString("customerId")).distinct().toList()).containsExactly("carol");
    String admin = Tokens.user("ann", "admin");
    assertThat(http.patch(doc("bills", "r2"), new JsonObject().put("paid", true), bearer(admin)).status()).isEqualTo(200);
    assertThat(http.get(doc("products", "nothing-here"), bearer(carol)).status()).isEqualTo(404);
  }

  @Test
  void aTransactionCommitsAllOrNothing() {
    http.put(doc("stock", "widget"), new JsonObject().put("qty", 10), server());
    JsonObject sale = new JsonObject().put("writes", new JsonArray()
        .add(new JsonObject().put("op", "patch").put("collection", "stock").put("id", "widget")
            .put("patch", new JsonObject().put("qty", 7)).put("ifMatch", 1))
        .add(new JsonObject().put("op", "create").put("collection", "products")
            .put("doc", new JsonObject().put("movement", -3).put("of", "widget"))));
    Http.Response done = http.post("/api/v1/docs/transaction", sale, server());
    assertThat(done.status()).isEqualTo(200);
    JsonArray results = done.json().getJsonArray("results");
    assertThat(results.getJsonObject(0).getInteger("qty")).isEqualTo(7);
    assertThat(results.getJsonObject(1).getInteger("movement")).isEqualTo(-3);

    Http.Response again = http.post("/api/v1/docs/transaction", sale, server());
    assertThat(again.status()).as("the same decrement with a stale rev").isEqualTo(409);
    assertThat(again.json().getJsonObject("error").getString("message")).startsWith("write 0:");
    assertThat(again.json().getJsonObject("current").getInteger("qty")).isEqualTo(7);
    long movements = http.get("/api/v1/collections/products/docs?filter=" + enc("doc.of == \"widget\""), server())
        .json().getJsonArray("docs").size();
    assertThat(movements).as("the refused transaction stored nothing").isEqualTo(1);

    JsonObject laterFails = new JsonObject().put("writes", new JsonArray()
        .add(new JsonObject().put("op", "put").put("collection", "stock").put("id", "gadget").put("doc", new JsonObject().put("qty", 1)))
        .add(new JsonObject().put("op", "delete").put("collection", "stock").put("id", "no-such-thing")));
    Http.Response refused = http.post("/api/v1/docs/transaction", laterFails, server());
    assertThat(refused.status()).isEqualTo(404);
    assertThat(refused.json().getJsonObject("error").getString("message")).startsWith("write 1:");
    assertThat(http.get(doc("stock", "gadget"), server()).status()).as("write 0 rolled back with write 1").isEqualTo(404);
  }

  @Test
  void listsPageInOrderAndEveryDocumentComesOnce() {
    for (int i = 0; i < 25; i++) {
      http.put(doc("stock", "page-" + i), new JsonObject().put("page", true).put("price", (i * 7) % 25), server());
    }
    List<Integer> prices = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      String path = "/api/v1/collections/stock/docs?limit=10&orderBy=-price&filter=" + enc("doc.page == true")
          + (after == null ? "" : "&after=" + after);
      JsonObject page = http.get(path, server()).json();
      page.getJsonArray("docs").forEach(d -> prices.add(((JsonObject) d).getInteger("price")));
      after = page.getString("next");
      pages++;
    } while (after != null && pages < 10);
    assertThat(prices).hasSize(25);
    List<Integer> sorted = new ArrayList<>(prices);
    sorted.sort((a, b) -> b - a);
    assertThat(prices).isEqualTo(sorted);
    assertThat(prices).doesNotHaveDuplicates();
  }

  @Test
  void aCollectionsChannelGetsItsChangesAsEvents() {
    http.put(doc("stock", "bolt"), new JsonObject().put("qty", 3), server());
    http.patch(doc("stock", "bolt"), new JsonObject().put("qty", 2), server());
    http.delete(doc("stock", "bolt"), server());
    JsonArray events = http.get("/api/v1/channels/docs:stock/events", server()).json().getJsonArray("events");
    List<String> bolt = events.stream().map(e -> (JsonObject) e).filter(e -> e.getString("id").startsWith("bolt@"))
        .map(e -> e.getString("type") + " " + e.getJsonObject("data").getValue("qty")).toList();
    assertThat(bolt).containsExactly("doc.created 3", "doc.updated 2", "doc.deleted null");
  }

  @Test
  void numbersAreKeptExactly() {
    String big = "{\"amount\":12345678901234567890.123456789,\"tiny\":1e-30,\"n\":-9223372036854775809}";
    Http.Response r = http.send("PUT", doc("products", "exact"), big, server());
    assertThat(r.status()).isEqualTo(201);
    String got = http.get(doc("products", "exact"), server()).body();
    assertThat(got).contains("12345678901234567890.123456789").contains("-9223372036854775809");
  }

  @Test
  void badInputFailsAloneWithAClearError() {
    String[] key = server();
    assertThat(http.send("PUT", doc("products", "x"), "[1,2]", key).errorCode()).isEqualTo("invalid_document");
    assertThat(http.send("PUT", doc("products", "x"), "{not json", key).errorCode()).isEqualTo("invalid_json");
    assertThat(http.send("PUT", doc("products", "x"), "{\"a\":\"nul\\u0000here\"}", key).errorCode()).isEqualTo("invalid_document");
    assertThat(http.send("PUT", doc("products", "x"), "{\"a\":{\"\\ud800\":1}}", key).errorCode()).isEqualTo("invalid_document");
    assertThat(http.send("PUT", doc("products", "x"), "{\"a\":[\"\\udc00\"]}", key).errorCode()).isEqualTo("invalid_document");
    assertThat(http.put(doc("products", "x"), new JsonObject().put("_secret", 1), key).errorCode()).isEqualTo("reserved_field");
    assertThat(http.put(doc("products", "bad%20id"), new JsonObject(), key).errorCode()).isEqualTo("invalid_id");
    assertThat(http.put(doc("products", "x".repeat(201)), new JsonObject(), key).errorCode()).isEqualTo("invalid_id");
    assertThat(http.put(doc("nope", "x"), new JsonObject(), key).status()).isEqualTo(404);
    assertThat(http.get("/api/v1/collections/nope/docs", key).status()).isEqualTo(404);
    assertThat(http.put(doc("products", "x"), new JsonObject().put("big", "y".repeat(70_000)), key).status()).isEqualTo(413);
    String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
    assertThat(http.send("PUT", doc("products", "x"), deep, key).errorCode()).isEqualTo("invalid_document");
    String list = "/api/v1/collections/products/docs";
    assertThat(http.get(list + "?filter=" + enc("doc.a +"), key).errorCode()).isEqualTo("invalid_filter");
    assertThat(http.get(list + "?filter=" + enc("1 + 2"), key).errorCode()).as("not a bool").isEqualTo("invalid_filter");
    assertThat(http.get(list + "?orderBy=" + enc("a;drop"), key).errorCode()).isEqualTo("invalid_order_by");
    assertThat(http.get(list + "?after=garbage", key).errorCode()).isEqualTo("invalid_after");
    String sneaky = java.util.Base64.getUrlEncoder().encodeToString("[\"\\\"\\\\u0000\\\"\",\"x\"]".getBytes());
    assertThat(http.get(list + "?after=" + sneaky, key).status()).isEqualTo(400);
    assertThat(http.get(list + "?limit=0", key).errorCode()).isEqualTo("invalid_limit");
    assertThat(http.post("/api/v1/docs/transaction", new JsonObject().put("writes", new JsonArray()), key).errorCode())
        .isEqualTo("invalid_transaction");
    assertThat(http.post("/api/v1/docs/transaction", new JsonObject().put("writes", new JsonArray().add(
        new JsonObject().put("op", "explode").put("collection", "products"))), key).errorCode()).isEqualTo("invalid_transaction");
    // none of it stored anything or broke the collection
    assertThat(http.get(doc("products", "x"), key).status()).isEqualTo(404);
    assertThat(http.put(doc("products", "x"), new JsonObject().put("ok", true), key).status()).isEqualTo(201);
  }

  @Test
  void theChangeLogIsNotAChannelAnyoneMayUse() {
    http.put(doc("bills", "secret-bill"), new JsonObject().put("customerId", "erin").put("amount", 99), server());
    assertThat(http.get("/api/v1/channels/doclog:bills/events", server()).status()).isEqualTo(403);
    assertThat(http.get("/api/v1/channels/doclog:bills/events", bearer(Tokens.user("mallory"))).status()).isEqualTo(403);
    assertThat(http.publish("doclog:bills", "change", new JsonObject().put("id", "forged")).status()).isEqualTo(403);
    try (BridgeClient mallory = node.bridge(Tokens.user("mallory"))) {
      mallory.register("doclog:bills");
      assertThat(mallory.nextErr().getInteger("failureCode")).isEqualTo(403);
    }
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }
}
