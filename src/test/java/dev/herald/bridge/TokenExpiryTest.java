package dev.herald.bridge;

import static dev.herald.testing.Envelopes.userId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A socket's identity lasts as long as its token: at {@code exp}, or when herald.auth replaces it,
 * each subscription and presence entry is checked again, and those no longer allowed end with an
 * err frame addressed to the channel; nothing more is delivered on them.
 */
class TokenExpiryTest extends OneNodeTest {

  @Test
  void anExpiredTokenEndsItsSubscriptionsAndPresenceAndActsAsAnonymous() {
    String sub = "exp-a";
    try (BridgeClient admin = node.bridge(Tokens.user("exp-admin", "admin"));
        BridgeClient roommate = node.bridge(Tokens.user("exp-roommate"));
        BridgeClient expiring = node.bridge(expiringToken(sub, "r-exp"))) {
      admin.subscribe("presence:users");
      roommate.subscribe("chat:exp");
      for (String channel : List.of("user:" + sub, "role:r-exp", "market:exp", "chat:exp")) {
        expiring.subscribe(channel);
      }
      assertThat(userId(roommate.event("chat:exp", joinOf(sub)))).isEqualTo(sub);

      for (String channel : List.of("user:" + sub, "role:r-exp", "chat:exp")) {
        JsonObject ended = expiring.next(errOn(channel));
        assertThat(ended.getInteger("failureCode")).as(ended.encode()).isEqualTo(401);
        assertThat(ended.getString("message")).startsWith("unauthorized: ").contains("expired");
      }
      List<JsonObject> beforeTheEnd = expiring.pending();
      // others see the user go, from the room and from the online list
      assertThat(roommate.event("chat:exp", leaveOf(sub))).isNotNull();
      assertThat(admin.event("presence:users", leaveOf(sub))).isNotNull();

      // nothing more on the ended channels; the public one still delivers
      node.http.publish("user:" + sub, "after", 1);
      node.http.publish("role:r-exp", "after", 1);
      node.http.publish("market:exp", "after", 1);
      assertThat(expiring.deliveries("market:exp", 1)).hasSize(1);
      List<JsonObject> afterTheEnd = expiring.pending();
      afterTheEnd.removeAll(beforeTheEnd);
      List<String> ended = List.of("user:" + sub, "role:r-exp", "chat:exp");
      assertThat(afterTheEnd).noneMatch(f -> ended.contains(f.getString("address")));

      // every frame now acts as anonymous
      BridgeTest.assertErr(expiring.request("herald.publish",
          new JsonObject().put("channel", "chat:exp").put("type", "message").put("data", "late")), 401, "unauthorized");
      for (String channel : List.of("user:" + sub, "news")) {
        BridgeTest.assertErr(expiring.request("herald.history", new JsonObject().put("channel", channel)), 401, "unauthorized");
      }
      expiring.register("user:" + sub);
      assertThat(expiring.next(errOn("user:" + sub)).getInteger("failureCode")).isEqualTo(401);
      assertThat(expiring.request("herald.history", new JsonObject().put("channel", "market:exp")).getString("type"))
          .isEqualTo("rec");
    }
  }

  @Test
  void aSubscriptionMadeWithItsOwnTokenEndsWhenThatTokenExpires() {
    try (BridgeClient anonymous = node.bridge()) {
      anonymous.subscribe("role:own-exp", new JsonObject().put("token", expiringToken("own", "own-exp")));
      anonymous.subscribe("role:own-long", new JsonObject().put("token", Tokens.user("own", "own-long")));
      JsonObject ended = anonymous.next(errOn("role:own-exp"));
      assertThat(ended.getInteger("failureCode")).isEqualTo(401);
      node.http.publish("role:own-exp", "after", 1);
      node.http.publish("role:own-long", "after", 1);
      assertThat(anonymous.deliveries("role:own-long", 1)).hasSize(1);
      assertThat(anonymous.pending()).noneMatch(f -> "role:own-exp".equals(f.getString("address")));
    }
  }

  @Test
  void switchingUserWithHeraldAuthEndsTheFirstUsersChannelsAndMovesPresence() {
    try (BridgeClient roommate = node.bridge(Tokens.user("sw-roommate"));
        BridgeClient tab = node.bridge(Tokens.user("sw-a"))) {
      roommate.subscribe("chat:sw");
      tab.subscribe("user:sw-a");
      tab.subscribe("chat:sw");
      roommate.event("chat:sw", joinOf("sw-a"));

      JsonObject ok = tab.request("herald.auth", new JsonObject().put("token", Tokens.user("sw-b")));
      assertThat(ok.getJsonObject("body").getString("sub")).isEqualTo("sw-b");
      JsonObject ended = tab.next(errOn("user:sw-a"));
      assertThat(ended.getInteger("failureCode")).isEqualTo(403);
      assertThat(ended.getString("message")).startsWith("forbidden: ");
      // chat:sw is still allowed: it stays, with sw-b listed instead of sw-a
      assertThat(roommate.event("chat:sw", leaveOf("sw-a"))).isNotNull();
      assertThat(roommate.event("chat:sw", joinOf("sw-b"))).isNotNull();

      node.http.publish("user:sw-a", "for a", 1);
      node.http.publish("chat:sw", "still", 1);
      assertThat(tab.deliveries("chat:sw", 1)).hasSize(1);
      assertThat(tab.pending()).noneMatch(f -> "user:sw-a".equals(f.getString("address")));
      assertThat(tab.pending()).noneMatch(f -> "err".equals(f.getString("type")));
      tab.subscribe("user:sw-b");
    }
  }

  @Test
  void aRefreshThatDropsARoleEndsThatRolesChannelOnly() {
    try (BridgeClient tab = node.bridge(Tokens.user("rf", "admin", "ops"))) {
      tab.subscribe("role:admin");
      tab.subscribe("role:ops");
      tab.request("herald.auth", new JsonObject().put("token", Tokens.user("rf", "ops")));
      JsonObject ended = tab.next(errOn("role:admin"));
      assertThat(ended.getInteger("failureCode")).isEqualTo(403);
      node.http.publish("role:admin", "secret", 1);
      node.http.publish("role:ops", "ops", 1);
      assertThat(tab.deliveries("role:ops", 1)).hasSize(1);
      assertThat(tab.pending()).noneMatch(f -> "role:admin".equals(f.getString("address")));
    }
  }

  @Test
  void aRefreshBeforeExpiryKeepsEverySubscription() {
    String first = expiringToken("keep");
    // made after the first token, so it expires with it or a second later: once the witness's
    // subscription has ended, the node's sweep has gone past the first token's exp too
    try (BridgeClient tab = node.bridge(first); BridgeClient witness = node.bridge(expiringToken("keep-witness"))) {
      witness.subscribe("user:keep-witness");
      tab.subscribe("user:keep");
      tab.request("herald.auth", new JsonObject().put("token", Tokens.user("keep")));
      assertThat(witness.next(errOn("user:keep-witness")).getInteger("failureCode")).isEqualTo(401);
      node.http.publish("user:keep", "still", 1);
      assertThat(tab.deliveries("user:keep", 1)).hasSize(1);
      assertThat(tab.pending()).noneMatch(f -> "err".equals(f.getString("type")));
    }
  }

  /** A token for {@code sub} that expires about two seconds from now. */
  static String expiringToken(String sub, String... roles) {
    JsonObject claims = new JsonObject().put("sub", sub).put("exp", System.currentTimeMillis() / 1000 + 2);
    if (roles.length > 0) {
      claims.put("roles", new JsonArray(List.of((Object[]) roles)));
    }
    return Tokens.hs256(claims, TestNode.JWT_SECRET);
  }

  static Predicate<JsonObject> errOn(String channel) {
    return f -> "err".equals(f.getString("type")) && channel.equals(f.getString("address"));
  }

  static Predicate<JsonObject> joinOf(String user) {
    return e -> "presence.join".equals(e.getString("type")) && user.equals(userId(e));
  }

  static Predicate<JsonObject> leaveOf(String user) {
    return e -> "presence.leave".equals(e.getString("type")) && user.equals(userId(e));
  }
}
