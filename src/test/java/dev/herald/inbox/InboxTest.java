package dev.herald.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The notification inbox as its users see it: a server's notification arrives live and stays in
 * the inbox; read state per user (a role's notification once for all its holders); every change
 * reaches the user's other tabs with the new unread count; nobody reaches another user's inbox;
 * bad input is refused before anything is stored.
 */
class InboxTest extends OneNodeTest {

  static final String ME = "/api/v1/me/notifications";

  static String[] key() {
    return new String[] {"X-Api-Key", TestNode.API_KEY};
  }

  static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  static Http.Response send(JsonObject to, String id, String title) {
    JsonObject body = new JsonObject().put("to", to).put("type", "invoice.funded").put("title", title)
        .put("body", "Invoice " + title + " was funded").put("data", new JsonObject().put("amount", 5000.25));
    if (id != null) {
      body.put("id", id);
    }
    return node.http.post("/api/v1/notifications", body, key());
  }

  static JsonObject inbox(String token, String query) {
    Http.Response r = node.http.get(ME + query, bearer(token));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static List<String> ids(JsonObject page) {
    return page.getJsonArray("notifications").stream().map(n -> ((JsonObject) n).getString("id")).toList();
  }

  @Test
  void aNotificationArrivesLiveStaysInTheInboxAndIsSentOnceForItsId() {
    String ada = Tokens.user("ada");
    try (BridgeClient tab = node.bridge(ada)) {
      tab.subscribe("user:ada");
      Http.Response sent = send(new JsonObject().put("userId", "ada"), "n-ada-1", "INV-1");
      assertThat(sent.status()).as(sent.body()).isEqualTo(201);
      JsonObject live = tab.deliveries("user:ada", 1).get(0);
      assertThat(live.getString("type")).isEqualTo("notification");
      assertThat(live.getJsonObject("data").getString("id")).isEqualTo("n-ada-1");
      assertThat(live.getJsonObject("data").getString("title")).isEqualTo("INV-1");
      assertThat(live.getJsonObject("data").getJsonObject("data").getDouble("amount")).isEqualTo(5000.25);

      Http.Response again = send(new JsonObject().put("userId", "ada"), "n-ada-1", "INV-1 (retried)");
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().getString("title")).as("the first one's answer").isEqualTo("INV-1");
      assertThat(again.json().getJsonObject("to")).isEqualTo(new JsonObject().put("userId", "ada"));

      JsonObject page = inbox(ada, "");
      assertThat(ids(page)).containsExactly("n-ada-1");
      assertThat(page.getInteger("unreadCount")).isEqualTo(1);
      assertThat(page.getJsonArray("notifications").getJsonObject(0).getBoolean("read")).isFalse();
      assertThat(node.http.get("/api/v1/channels/user:ada/events", key()).json().getJsonArray("events"))
          .as("delivered once, not again for the repeated id").hasSize(1);
    }
  }

  @Test
  void readStateIsPerUserAndEveryChangeReachesTheOtherTabWithTheUnreadCount() {
    String bea = Tokens.user("bea", "investor");
    String cal = Tokens.user("cal", "investor");
    assertThat(send(new JsonObject().put("role", "investor"), "listing-7", "New invoice listed").status()).isEqualTo(201);
    assertThat(send(new JsonObject().put("userIds", new JsonArray().add("bea").add("cal")), "reward-1", "Reward").status())
        .isEqualTo(201);
    assertThat(inbox(bea, "").getInteger("unreadCount")).isEqualTo(2);

    try (BridgeClient otherTab = node.bridge(bea)) {
      otherTab.subscribe("user:bea");
      Http.Response read = node.http.post(ME + "/listing-7/read", "{}", bearer(bea));
      assertThat(read.json().getInteger("unreadCount")).as(read.body()).isEqualTo(1);
      JsonObject pushed = otherTab.deliveries("user:bea", 1).get(0);
      assertThat(pushed.getString("type")).isEqualTo("inbox.read");
      assertThat(pushed.getJsonObject("data")).isEqualTo(new JsonObject().put("ids", new JsonArray().add("listing-7")).put("unreadCount", 1));
      assertThat(inbox(cal, "").getInteger("unreadCount")).as("cal's copy of the role notification is still unread").isEqualTo(2);
      assertThat(ids(inbox(bea, "?unread=true"))).containsExactly("reward-1");

      // the bridge services do the same as REST
      JsonObject all = otherTab.request("herald.inbox.readAll", new JsonObject());
      assertThat(all.getJsonObject("body").getInteger("unreadCount")).as(all.encode()).isZero();
      assertThat(otherTab.deliveries("user:bea", 1).get(0).getJsonObject("data"))
          .isEqualTo(new JsonObject().put("all", true).put("unreadCount", 0));
      JsonObject listed = otherTab.request("herald.inbox.list", new JsonObject().put("limit", 1)).getJsonObject("body");
      assertThat(ids(listed)).containsExactly("reward-1");
      assertThat(listed.getLong("next")).isNotNull();

      JsonObject deleted = otherTab.request("herald.inbox.delete", new JsonObject().put("id", "listing-7")).getJsonObject("body");
      assertThat(deleted.getInteger("unreadCount")).isZero();
      assertThat(otherTab.deliveries("user:bea", 1).get(0).getString("type")).isEqualTo("inbox.deleted");
      assertThat(ids(inbox(bea, ""))).containsExactly("reward-1");
      assertThat(ids(inbox(cal, ""))).as("deleting a role's notification deletes it for bea only").containsExactly("reward-1", "listing-7");

      assertThat(node.http.delete(ME, bearer(bea)).json().getInteger("unreadCount")).isZero();
      assertThat(otherTab.deliveries("user:bea", 1).get(0).getString("type")).isEqualTo("inbox.cleared");
      assertThat(ids(inbox(bea, ""))).isEmpty();
      assertThat(ids(inbox(cal, ""))).hasSize(2);
    }
  }

  @Test
  void pagesGoBackwardsNewestFirst() {
    String dee = Tokens.user("dee");
    for (int i = 1; i <= 5; i++) {
      assertThat(send(new JsonObject().put("userId", "dee"), "dee-" + i, "n" + i).status()).isEqualTo(201);
    }
    JsonObject first = inbox(dee, "?limit=2");
    assertThat(ids(first)).containsExactly("dee-5", "dee-4");
    JsonObject second = inbox(dee, "?limit=2&before=" + first.getLong("next"));
    assertThat(ids(second)).containsExactly("dee-3", "dee-2");
    JsonObject last = inbox(dee, "?limit=2&before=" + second.getLong("next"));
    assertThat(ids(last)).containsExactly("dee-1");
    assertThat(last.getValue("next")).isNull();
    assertThat(last.getInteger("unreadCount")).isEqualTo(5);
  }

  @Test
  void nobodyReachesAnotherUsersInboxNorLearnsItsIdsExist() {
    assertThat(send(new JsonObject().put("userId", "eve-target"), "private-1", "Yours only").status()).isEqualTo(201);
    assertThat(send(new JsonObject().put("role", "admin"), "admins-only", "For admins").status()).isEqualTo(201);
    String mallory = Tokens.user("mallory");
    for (String id : List.of("private-1", "admins-only", "no-such-id")) {
      Http.Response read = node.http.post(ME + "/" + id + "/read", "{}", bearer(mallory));
      assertThat(read.status()).isEqualTo(404);
      assertThat(read.json().getJsonObject("error").getString("message")).isEqualTo("no notification \"" + id + "\" in your inbox");
      assertThat(node.http.delete(ME + "/" + id, bearer(mallory)).status()).isEqualTo(404);
    }
    assertThat(ids(inbox(mallory, ""))).isEmpty();
    assertThat(inbox(Tokens.user("eve-target"), "").getInteger("unreadCount")).as("untouched").isEqualTo(1);
    try (BridgeClient sneaky = node.bridge(mallory)) {
      assertThat(sneaky.request("herald.inbox.read", new JsonObject().put("id", "private-1")).getInteger("failureCode")).isEqualTo(404);
    }
    assertThat(node.http.get(ME).status()).as("no token").isEqualTo(401);
    assertThat(node.http.get(ME, key()).status()).as("an API key has no inbox").isEqualTo(403);
    assertThat(node.http.post("/api/v1/notifications", new JsonObject().put("to", new JsonObject().put("userId", "x"))
        .put("type", "t").put("title", "t"), bearer(mallory)).status()).as("users do not send notifications").isEqualTo(403);
  }

  @Test
  void badInputIsRefusedAndStoresNothing() {
    JsonObject good = new JsonObject().put("to", new JsonObject().put("userId", "fay")).put("type", "t").put("title", "ok");
    List<JsonObject> bad = List.of(
        good.copy().put("title", "nul \u0000 inside"),
        good.copy().put("data", new JsonObject().put("k\u0000", 1)),
        good.copy().put("to", new JsonObject()),
        good.copy().put("to", new JsonObject().put("userId", "fay").put("role", "admin")),
        good.copy().put("to", new JsonObject().put("userId", "has space")),
        good.copy().put("to", new JsonObject().put("userIds", new JsonArray())),
        good.copy().put("id", 42),
        good.copy().put("title", "x".repeat(501)),
        good.copy().remove("type") == null ? good : good.copy().putNull("type"));
    for (JsonObject body : bad) {
      Http.Response r = node.http.post("/api/v1/notifications", body, key());
      assertThat(r.status()).as("%s → %s", body, r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_notification");
    }
    // a lone surrogate can only come escaped: raw, it is not UTF-8
    Http.Response lone = node.http.post("/api/v1/notifications",
        "{\"to\":{\"userId\":\"fay\"},\"type\":\"t\",\"title\":\"lone \\ud800 surrogate\"}", key());
    assertThat(lone.status()).as(lone.body()).isEqualTo(400);
    assertThat(lone.errorCode()).isEqualTo("invalid_notification");
    assertThat(node.http.post("/api/v1/notifications", "{not json", key()).errorCode()).isEqualTo("invalid_json");
    assertThat(node.http.post("/api/v1/notifications", "[1]", key()).errorCode()).isEqualTo("invalid_notification");
    assertThat(node.http.get(ME + "?limit=0", bearer(Tokens.user("fay"))).errorCode()).isEqualTo("invalid_limit");
    assertThat(node.http.get(ME + "?before=abc", bearer(Tokens.user("fay"))).errorCode()).isEqualTo("invalid_before");
    assertThat(ids(inbox(Tokens.user("fay"), ""))).isEmpty();
    assertThat(node.http.post("/api/v1/notifications", good, key()).status()).as("and the next good one goes through").isEqualTo(201);
  }

}
