package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NamespacesTest {

  static final Namespaces RULES = new Namespaces(new JsonObject()
      .put("default", new JsonObject().put("subscribe", "authenticated").put("publish", "nobody"))
      .put("open", new JsonObject().put("subscribe", "anyone"))
      .put("vip", new JsonObject()
          .put("subscribe", "'vip' in auth.roles")
          .put("publish", "auth.sub == 'boss' && channel.startsWith('vip:news')")
          .put("history", new JsonObject().put("maxEvents", 10).put("maxAge", "24h")))
      .put("tier", new JsonObject().put("subscribe", "auth.level >= 3")));

  static Identity user(String sub, String... roles) {
    return Identity.user(new JsonObject().put("sub", sub).put("roles", new JsonArray(java.util.List.of((Object[]) roles))));
  }

  static int status(Runnable check) {
    try {
      check.run();
      return 200;
    } catch (HeraldException e) {
      return e.status();
    }
  }

  @Test
  void namespaceIsThePartBeforeTheColonOrTheWholeName() {
    assertThat(ChannelName.namespace("chat:lobby:1")).isEqualTo("chat");
    assertThat(ChannelName.namespace("sales")).isEqualTo("sales");
    assertThat(ChannelName.local("user:42")).isEqualTo("42");
    assertThat(RULES.of("unlisted:x")).isSameAs(RULES.of("news")); // both follow the default
  }

  @Test
  void fixedRules() {
    assertThat(status(() -> RULES.of("open:x").checkSubscribe(Identity.ANONYMOUS, "open:x"))).isEqualTo(200);
    assertThat(status(() -> RULES.of("news").checkSubscribe(Identity.ANONYMOUS, "news"))).isEqualTo(401);
    assertThat(status(() -> RULES.of("news").checkSubscribe(user("u"), "news"))).isEqualTo(200);
    assertThat(status(() -> RULES.of("news").checkPublish(user("u"), "news"))).isEqualTo(403);
    assertThat(status(() -> RULES.of("news").checkPublish(Identity.SERVER, "news"))).isEqualTo(200);
  }

  @Test
  void celRulesSeeClaimsAndChannel() {
    Namespace vip = RULES.of("vip:news:1");
    assertThat(status(() -> vip.checkSubscribe(user("a", "vip"), "vip:news:1"))).isEqualTo(200);
    assertThat(status(() -> vip.checkSubscribe(user("a", "guest"), "vip:news:1"))).isEqualTo(403);
    assertThat(status(() -> vip.checkSubscribe(Identity.ANONYMOUS, "vip:news:1"))).isEqualTo(401);
    assertThat(status(() -> vip.checkPublish(user("boss"), "vip:news:1"))).isEqualTo(200);
    assertThat(status(() -> vip.checkPublish(user("boss"), "vip:other"))).isEqualTo(403);
    // a claim the token lacks makes the rule false, not an error
    assertThat(status(() -> RULES.of("tier:x").checkSubscribe(user("a"), "tier:x"))).isEqualTo(403);
    Identity level3 = Identity.user(new JsonObject().put("sub", "a").put("level", 3));
    assertThat(status(() -> RULES.of("tier:x").checkSubscribe(level3, "tier:x"))).isEqualTo(200);
  }

  @Test
  void userAndRoleChannelsBelongToTheirOwnerWhateverTheConfig() {
    Namespaces lax = new Namespaces(new JsonObject().put("default", new JsonObject().put("subscribe", "anyone"))
        .put("user", new JsonObject().put("subscribe", "anyone")));
    assertThat(status(() -> lax.of("user:1").checkSubscribe(user("1"), "user:1"))).isEqualTo(200);
    assertThat(status(() -> lax.of("user:1").checkSubscribe(user("2"), "user:1"))).isEqualTo(403);
    assertThat(status(() -> lax.of("user:1").checkSubscribe(Identity.ANONYMOUS, "user:1"))).isEqualTo(401);
    assertThat(status(() -> lax.of("role:admin").checkSubscribe(user("1", "admin"), "role:admin"))).isEqualTo(200);
    assertThat(status(() -> lax.of("role:admin").checkSubscribe(user("1", "staff"), "role:admin"))).isEqualTo(403);
    assertThat(status(() -> lax.of("user:1").checkSubscribe(Identity.SERVER, "user:1"))).isEqualTo(200);
  }

  @Test
  void historyLimitsAndDurations() {
    assertThat(RULES.of("vip:x").historyMaxEvents()).isEqualTo(10);
    assertThat(RULES.of("vip:x").historyMaxAge()).isEqualTo(Duration.ofHours(24));
    assertThat(Namespace.parseDuration("90", "t")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Namespace.parseDuration("15m", "t")).isEqualTo(Duration.ofMinutes(15));
    assertThatThrownBy(() -> Namespace.parseDuration("soon", "where")).hasMessageContaining("where");
  }

  @Test
  void anInvalidCelRuleFailsAtStartupWithItsLocation() {
    assertThatThrownBy(() -> new Namespaces(new JsonObject().put("bad", new JsonObject().put("subscribe", "auth.sub =="))))
        .hasMessageContaining("namespaces.bad.subscribe");
    assertThatCode(() -> new Namespaces(new JsonObject())).doesNotThrowAnyException();
  }
}
