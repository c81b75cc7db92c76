package dev.herald.presence;

import static dev.herald.presence.PresenceTest.assertErr;
import static dev.herald.presence.PresenceTest.members;
import static dev.herald.presence.PresenceTest.waitFor;
import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Who may type where, what a member's info may say, and who sees the list of everyone online. */
class PresenceRulesTest extends OneNodeTest {

  @Test
  void typingNeedsASubscriptionToTheChannelOnThatSocket() {
    try (BridgeClient watcher = node.bridge(Tokens.user("t-watcher"));
        BridgeClient typist = node.bridge(Tokens.user("t-typist"))) {
      watcher.subscribe("chat:typing-rule");
      JsonObject refused = typist.request("herald.typing", new JsonObject().put("channel", "chat:typing-rule"));
      assertErr(refused, 403);
      assertThat(refused.getString("message")).startsWith("not_subscribed: ");
      assertThat(watcher.takeEphemeral("chat:typing-rule", "typing.start")).isEmpty();

      typist.subscribe("chat:typing-rule");
      assertThat(typist.request("herald.typing", new JsonObject().put("channel", "chat:typing-rule")).getString("type"))
          .isEqualTo("rec");
      assertThat(waitFor(watcher, "chat:typing-rule", "typing.start", "t-typist")).isNotNull();
    }
  }

  @Test
  void infoIsMeasuredInUtf8Bytes() {
    String bio = "é".repeat(1000); // 1,000 characters, 2,000 bytes
    assertThat(bio.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(PresenceSockets.MAX_INFO_BYTES);
    try (BridgeClient user = node.bridge(Tokens.user("wide"))) {
      user.register("chat:wide", new JsonObject().put("info", new JsonObject().put("bio", bio)));
      JsonObject err = user.nextErr();
      assertErr(err, 413);
      assertThat(err.getString("address")).isEqualTo("chat:wide");
      user.subscribe("chat:wide", new JsonObject().put("info", new JsonObject().put("bio", "é".repeat(400))));
    }
  }

  @Test
  void theSignedNameWinsOverANameGivenInInfo() {
    String token = Tokens.hs256(new JsonObject().put("sub", "signed").put("name", "Alice")
        .put("exp", System.currentTimeMillis() / 1000 + 600), TestNode.JWT_SECRET);
    try (BridgeClient watcher = node.bridge(Tokens.user("n-watcher")); BridgeClient alice = node.bridge(token)) {
      watcher.subscribe("chat:names");
      alice.subscribe("chat:names", new JsonObject().put("info", new JsonObject().put("name", "Mallory").put("color", "red")));
      JsonObject info = data(waitFor(watcher, "chat:names", "presence.join", "signed")).getJsonObject("info");
      assertThat(info).isEqualTo(new JsonObject().put("name", "Alice").put("color", "red"));
    }
  }

  @Test
  void theListOfEveryoneOnlineIsForAdminsAndServersByDefault() {
    String online = PresenceTracker.ONLINE_CHANNEL;
    try (BridgeClient plain = node.bridge(Tokens.user("nosy")); BridgeClient admin = node.bridge(Tokens.user("boss", "admin"))) {
      plain.register(online);
      assertErr(plain.nextErr(), 403);
      assertErr(plain.request("herald.presence", new JsonObject().put("channel", online)), 403);
      assertThat(node.http.get("/api/v1/channels/" + online + "/presence", "Authorization", "Bearer " + Tokens.user("nosy"))
          .status()).isEqualTo(403);

      admin.subscribe(online);
      JsonObject snapshot = admin.request("herald.presence", new JsonObject().put("channel", online)).getJsonObject("body");
      assertThat(members(snapshot)).contains("nosy:1", "boss:1");
      assertThat(members(node.http.get("/api/v1/channels/" + online + "/presence", "X-Api-Key", TestNode.API_KEY).json()))
          .contains("nosy:1", "boss:1");
    }
  }

  @Test
  void watchingTheOnlineListAndLeavingItKeepsTheWatcherOnline() {
    String online = PresenceTracker.ONLINE_CHANNEL;
    try (BridgeClient admin = node.bridge(Tokens.user("dots", "admin"));
        BridgeClient other = node.bridge(Tokens.user("dots-2", "admin"))) {
      other.subscribe(online);
      admin.subscribe(online);
      admin.unregister(online);
      admin.subscribe("market:dots-fence"); // a later frame on the same socket, handled after the unregister
      JsonObject snapshot = other.request("herald.presence", new JsonObject().put("channel", online)).getJsonObject("body");
      assertThat(members(snapshot)).contains("dots:1", "dots-2:1");
      assertThat(other.takeEphemeral(online, "presence.leave")).noneMatch(e -> "dots".equals(data(e).getString("userId")));
    }
  }
}
