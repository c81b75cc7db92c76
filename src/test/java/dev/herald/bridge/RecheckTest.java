package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a change of identity means for each of a socket's subscriptions, without a socket: the shipped namespace rules. */
class RecheckTest {

  static final Namespaces NAMESPACES = new Namespaces(HeraldConfig.load(Map.of(), null).namespaces());
  static final long NOW = 1_000_000_000_000L;

  final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  final Map<String, Integer> ended = new LinkedHashMap<>();
  final Map<String, String> movedTo = new LinkedHashMap<>();

  @Test
  void anExpiredSocketIdentityKeepsOnlyPublicChannelsAndSubscriptionsWithTheirOwnToken() {
    Identity alice = user("alice", NOW - 1);
    Identity ownToken = user("ops-bot", NOW + 60_000, "ops");
    subscriptions.put("user:alice", new Subscription(alice, false));
    subscriptions.put("market:x", new Subscription(alice, false));
    subscriptions.put("role:ops", new Subscription(ownToken, true));

    long next = run(Identity.ANONYMOUS);

    assertThat(ended).containsExactly(Map.entry("user:alice", 401));
    assertThat(movedTo).containsExactly(Map.entry("market:x", "anonymous"));
    assertThat(subscriptions.get("role:ops").who).isSameAs(ownToken);
    assertThat(next).isEqualTo(NOW + 60_000); // the own token's exp is next
  }

  @Test
  void anotherUsersTokenEndsWhatItMayNotReadAndMovesTheRest() {
    Identity a = user("a", NOW + 1000, "admin");
    Identity b = user("b", NOW + 5000);
    subscriptions.put("user:a", new Subscription(a, false));
    subscriptions.put("role:admin", new Subscription(a, false));
    subscriptions.put("chat:x", new Subscription(a, false));

    long next = run(b);

    assertThat(ended).containsExactly(Map.entry("user:a", 403), Map.entry("role:admin", 403));
    assertThat(movedTo).containsExactly(Map.entry("chat:x", "b"));
    assertThat(subscriptions.get("chat:x").who).isSameAs(b);
    assertThat(next).isEqualTo(NOW + 5000);
  }

  @Test
  void anOwnTokenThatExpiredEndsItsChannelWithA401ThatSaysSo() {
    subscriptions.put("role:ops", new Subscription(user("bot", NOW, "ops"), true));
    HeraldException[] why = new HeraldException[1];
    Recheck.run(NAMESPACES::checkSubscribe, subscriptions, Identity.ANONYMOUS, "herald.auth replaced the token", NOW, new Recheck.Outcome() {
      @Override
      public void ended(String channel, HeraldException error) {
        why[0] = error;
      }

      @Override
      public void reidentified(String channel, Subscription s, Identity before) {
      }
    });
    assertThat(why[0].status()).isEqualTo(401);
    assertThat(why[0].getMessage()).startsWith("the token expired; ");
  }

  private long run(Identity socketWho) {
    return Recheck.run(NAMESPACES::checkSubscribe, subscriptions, socketWho, "changed", NOW, new Recheck.Outcome() {
      @Override
      public void ended(String channel, HeraldException why) {
        ended.put(channel, why.status());
        subscriptions.remove(channel); // as the socket does
      }

      @Override
      public void reidentified(String channel, Subscription s, Identity before) {
        movedTo.put(channel, s.who.isAnonymous() ? "anonymous" : s.who.subject());
      }
    });
  }

  private static Identity user(String sub, long expiresAtMillis, String... roles) {
    return Identity.user(new JsonObject().put("sub", sub).put("exp", expiresAtMillis / 1000)
        .put("roles", new JsonArray(List.of((Object[]) roles))));
  }
}
