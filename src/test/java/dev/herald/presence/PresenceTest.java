package dev.herald.presence;

import static dev.herald.testing.Envelopes.data;
import static dev.herald.testing.Envelopes.userId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presence, typing and viewer counts on one node, as browsers see them over the bridge. */
class PresenceTest extends OneNodeTest {

  @Test
  void severalTabsOfOneUserCountOnceAndLeaveWithTheLastTab() {
    String room = "chat:tabs";
    try (BridgeClient watcher = node.bridge(Tokens.user("watcher"));
        BridgeClient aliceTab1 = node.bridge(Tokens.user("alice"));
        BridgeClient aliceTab2 = node.bridge(Tokens.user("alice"));
        BridgeClient bob = node.bridge(Tokens.user("bob"))) {
      watcher.subscribe(room);
      aliceTab1.subscribe(room, new JsonObject().put("info", new JsonObject().put("name", "Alice")));
      JsonObject join = watcher.ephemeral(room, "presence.join");
      assertThat(userId(join)).isEqualTo("watcher");
      join = watcher.ephemeral(room, "presence.join");
      assertThat(userId(join)).isEqualTo("alice");
      assertThat(data(join).getJsonObject("info").getString("name")).isEqualTo("Alice");
      assertThat(join.getString("channel")).isEqualTo(room);
      assertThat(join.containsKey("seq")).isFalse();
      aliceTab2.subscribe(room);
      bob.subscribe(room);
      assertThat(userId(watcher.ephemeral(room, "presence.join"))).isEqualTo("bob");

      JsonObject snapshot = watcher.request("herald.presence", new JsonObject().put("channel", room)).getJsonObject("body");
      assertThat(snapshot.getInteger("count")).isEqualTo(3);
      assertThat(members(snapshot)).containsExactly("alice:2", "bob:1", "watcher:1");
      assertThat(node.http.get("/api/v1/channels/" + room + "/presence", "Authorization", "Bearer " + Tokens.user("x"))
          .json()).isEqualTo(snapshot);

      aliceTab1.close();
      bob.unregister(room);
      assertThat(userId(watcher.ephemeral(room, "presence.leave"))).isEqualTo("bob");
      // the closed tab is noticed on its own socket's event loop, independently of bob's leave
      Eventually.equal(() -> members(watcher.request("herald.presence", new JsonObject().put("channel", room))
          .getJsonObject("body")), List.of("alice:1", "watcher:1"));

      aliceTab2.close();
      JsonObject leave = watcher.ephemeral(room, "presence.leave");
      assertThat(userId(leave)).isEqualTo("alice");
      assertThat(data(leave).getInteger("connections")).isZero();
      assertThat(watcher.takeEphemeral(room, "presence.leave")).isEmpty(); // no second leave for alice
    }
  }

  @Test
  void typingStartsStopsOnRequestAndOnDisconnectBeforeTheLeave() {
    String room = "chat:typing";
    try (BridgeClient watcher = node.bridge(Tokens.user("w"))) {
      watcher.subscribe(room);
      try (BridgeClient carol = node.bridge(Tokens.user("carol"))) {
        carol.subscribe(room);
        JsonObject ok = carol.request("herald.typing", new JsonObject().put("channel", room).put("typing", true));
        assertThat(ok.getJsonObject("body").getBoolean("ok")).isTrue();
        assertThat(userId(watcher.ephemeral(room, "typing.start"))).isEqualTo("carol");
        carol.request("herald.typing", new JsonObject().put("channel", room).put("typing", false));
        assertThat(userId(watcher.ephemeral(room, "typing.stop"))).isEqualTo("carol");

        carol.request("herald.typing", new JsonObject().put("channel", room));
        watcher.ephemeral(room, "typing.start");
      }
      // the socket closed while typing: the stop comes with the leave, not 5 s later after it
      JsonObject first = watcher.event(room, e -> List.of("typing.stop", "presence.leave").contains(e.getString("type")));
      assertThat(first.getString("type")).isEqualTo("typing.stop");
      assertThat(userId(watcher.ephemeral(room, "presence.leave"))).isEqualTo("carol");
    }
    // ephemeral: none of it was stored
    JsonObject history = node.http.get("/api/v1/channels/" + room + "/events", "X-Api-Key", TestNode.API_KEY).json();
    assertThat(history.getJsonArray("events")).isEmpty();
    assertThat(history.getLong("lastSeq")).isZero();
  }

  @Test
  void aMemberChangesItsStatusWithoutLeavingAndEveryoneThereIsTold() {
    String room = "chat:status";
    try (BridgeClient watcher = node.bridge(Tokens.user("w"));
        BridgeClient dana = node.bridge(Tokens.user("dana"));
        BridgeClient outsider = node.bridge(Tokens.user("olga"))) {
      watcher.subscribe(room);
      dana.subscribe(room);
      waitFor(watcher, room, "presence.join", "dana");
      JsonObject ok = dana.request("herald.presence.update", new JsonObject().put("channel", room)
          .put("info", new JsonObject().put("status", "busy").put("name", "Mallory")));
      assertThat(ok.getJsonObject("body").getBoolean("ok")).as(ok.encode()).isTrue();
      JsonObject update = waitFor(watcher, room, "presence.update", "dana");
      assertThat(data(update).getJsonObject("info").getString("status")).isEqualTo("busy");
      assertThat(data(update).getInteger("connections")).isEqualTo(1);
      JsonObject listed = node.http.get("/api/v1/channels/" + room + "/presence", "X-Api-Key", TestNode.API_KEY).json()
          .getJsonArray("members").getJsonObject(0); // dana, then w
      assertThat(listed.getString("userId")).isEqualTo("dana");
      assertThat(listed.getJsonObject("info").getString("status")).isEqualTo("busy");

      assertErr(outsider.request("herald.presence.update", new JsonObject().put("channel", room)
          .put("info", new JsonObject().put("status", "away"))), 403); // not in the room
      assertErr(dana.request("herald.presence.update", new JsonObject().put("channel", room).put("info", "away")), 400);
      assertErr(dana.request("herald.presence.update", new JsonObject().put("channel", room)
          .put("info", new JsonObject().put("pad", "x".repeat(2_000)))), 413);
      assertErr(dana.request("herald.presence.update", new JsonObject().put("channel", "market:x")
          .put("info", new JsonObject())), 404); // no presence in that namespace
      assertThat(watcher.takeEphemeral(room, "presence.update")).as("refused updates tell no one").isEmpty();
    }
  }

  @Test
  void typingExpiresAfterFiveSecondsWithoutRenewal() {
    String room = "chat:expiry";
    try (BridgeClient watcher = node.bridge(Tokens.user("w2")); BridgeClient dave = node.bridge(Tokens.user("dave"))) {
      watcher.subscribe(room);
      dave.subscribe(room);
      long started = System.nanoTime();
      dave.request("herald.typing", new JsonObject().put("channel", room));
      watcher.ephemeral(room, "typing.start");
      JsonObject stop = watcher.ephemeral(room, "typing.stop");
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(userId(stop)).isEqualTo("dave");
      assertThat(elapsedMs).isGreaterThanOrEqualTo(PresenceTracker.TYPING_TTL_MS); // timers never fire early
      assertThat(watcher.takeEphemeral(room, "presence.leave")).isEmpty(); // dave is still here
    }
  }

  @Test
  void viewerCountsAreCoalescedAndReadableOverRest() {
    String stream = "stream:live";
    String token = Tokens.user("viewer");
    try (BridgeClient watcher = node.bridge(token)) {
      watcher.subscribe(stream);
      assertThat(data(watcher.ephemeral(stream, "viewers")).getInteger("count")).isEqualTo(1);
      long churnStart = System.nanoTime();
      for (int round = 0; round < 30; round++) {
        try (BridgeClient passerBy = node.bridge(token)) {
          passerBy.subscribe(stream);
        }
      }
      try (BridgeClient a = node.bridge(token); BridgeClient b = node.bridge(token)) {
        a.subscribe(stream);
        b.subscribe(stream);
        Eventually.equal(() -> node.http.get("/api/v1/channels/" + stream + "/viewers", "Authorization", "Bearer " + token)
            .json().getInteger("count"), 3);
        // broadcasts end with the settled count
        int broadcasts = 0;
        JsonObject last;
        do {
          last = watcher.ephemeral(stream, "viewers");
          broadcasts++;
        } while (data(last).getInteger("count") != 3);
        double seconds = (System.nanoTime() - churnStart) / 1e9;
        broadcasts += watcher.takeEphemeral(stream, "viewers").size();
        // 64 subscribe/unsubscribe changes, but at most one broadcast per second
        assertThat(broadcasts).isLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
      }
    }
  }

  @Test
  void presenceAndTypingFollowTheChannelRules() {
    try (BridgeClient anonymous = node.bridge(); BridgeClient user = node.bridge(Tokens.user("u"))) {
      assertErr(anonymous.request("herald.presence", new JsonObject().put("channel", "chat:rules")), 401);
      assertErr(anonymous.request("herald.typing", new JsonObject().put("channel", "chat:rules")), 401);
      assertErr(user.request("herald.typing", new JsonObject().put("channel", "stream:x")), 404); // no typing there
      assertErr(user.request("herald.presence", new JsonObject().put("channel", "market:x")), 404);
      assertErr(user.request("herald.presence", new JsonObject().put("channel", "user:someone-else")), 403);
      assertErr(user.request("herald.typing", new JsonObject().put("channel", "chat:rules").put("typing", "yes")), 400);
      user.register("chat:big-info", new JsonObject().put("info", new JsonObject().put("bio", "x".repeat(2000))));
      assertErr(user.nextErr(), 413);
    }
    assertThat(node.http.get("/api/v1/channels/chat:rules/presence").status()).isEqualTo(401);
    assertThat(node.http.get("/api/v1/channels/market:x/presence", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(404);
    assertThat(node.http.get("/api/v1/channels/market:x/viewers", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(404);
  }

  @Test
  void typingFloodsGetA429AndTheSocketStaysUsable() {
    try (BridgeClient eve = node.bridge(Tokens.user("eve"))) {
      eve.subscribe("chat:flood");
      int limited = 0;
      for (int i = 0; i < 30; i++) {
        JsonObject reply = eve.request("herald.typing", new JsonObject().put("channel", "chat:flood"));
        if ("err".equals(reply.getString("type"))) {
          assertErr(reply, 429);
          assertThat(reply.getString("message")).startsWith("rate_limited: ");
          limited++;
        }
      }
      assertThat(limited).isGreaterThan(10);
      JsonObject snapshot = eve.request("herald.presence", new JsonObject().put("channel", "chat:flood")).getJsonObject("body");
      assertThat(snapshot.getInteger("count")).isEqualTo(1);
    }
  }

  @Test
  void everyTokenHolderIsOnlineInPresenceUsers() {
    String online = PresenceTracker.ONLINE_CHANNEL;
    try (BridgeClient watcher = node.bridge(Tokens.user("dot-watcher", "admin"))) {
      watcher.subscribe(online);
      try (BridgeClient frank = node.bridge(Tokens.user("frank"))) {
        assertThat(waitFor(watcher, online, "presence.join", "frank")).isNotNull();
        JsonObject snapshot = watcher.request("herald.presence", new JsonObject().put("channel", online)).getJsonObject("body");
        assertThat(members(snapshot)).contains("frank:1", "dot-watcher:1");
      }
      assertThat(waitFor(watcher, online, "presence.leave", "frank")).isNotNull();
      try (BridgeClient late = node.bridge()) {
        late.request("herald.auth", new JsonObject().put("token", Tokens.user("grace")));
        assertThat(waitFor(watcher, online, "presence.join", "grace")).isNotNull();
      }
    }
  }

  /**
   * Subscribing to a channel the node holds no feed for takes a moment (cluster consumer, journal
   * head); an unregister sent meanwhile must not be overtaken by the register's presence join, or
   * the user stays listed for as long as the socket lives.
   */
  @Test
  void anUnregisterRightAfterTheRegisterLeavesNoGhostMember() {
    String room = "chat:quick";
    try (BridgeClient dave = node.bridge(Tokens.user("dave"));
        BridgeClient watcher = node.bridge(Tokens.user("watcher-quick"))) {
      dave.register(room);
      dave.unregister(room);
      // the watcher's subscription completes after dave's (same feed, in order): once the watcher
      // is listed, a ghost join for dave would have been applied already
      watcher.subscribe(room);
      Eventually.equal(() -> members(node.http.get("/api/v1/channels/" + room + "/presence", "X-Api-Key", TestNode.API_KEY)
          .json()).contains("watcher-quick:1"), true);
      assertThat(members(node.http.get("/api/v1/channels/" + room + "/presence", "X-Api-Key", TestNode.API_KEY).json()))
          .containsExactly("watcher-quick:1");
    }
  }

  /** The next event of that type about that user on the channel. */
  static JsonObject waitFor(BridgeClient client, String channel, String type, String user) {
    return client.event(channel, e -> type.equals(e.getString("type")) && user.equals(userId(e)));
  }

  static List<String> members(JsonObject snapshot) {
    JsonArray members = snapshot.getJsonArray("members");
    return members.stream().map(m -> ((JsonObject) m).getString("userId") + ":" + ((JsonObject) m).getInteger("connections")).toList();
  }

  static void assertErr(JsonObject frame, int code) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("err");
    assertThat(frame.getInteger("failureCode")).as(frame.encode()).isEqualTo(code);
  }
}
