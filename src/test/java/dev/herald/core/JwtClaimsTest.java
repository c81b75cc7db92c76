package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** jwt.audience, jwt.issuer and jwt.requireExp: which tokens a node accepts besides a good signature. */
class JwtClaimsTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void byDefaultATokenNeedsAnExpButNoAudienceOrIssuer() {
    Authenticator auth = authenticator(new JsonObject());
    assertAccepted(auth.verifyToken(token(claims().put("aud", "anything").put("iss", "anyone"))));
    assertRefused(auth.verifyToken(token(new JsonObject().put("sub", "u"))), "exp");
    HeraldConfig defaults = HeraldConfig.load(Map.of(), null);
    assertThat(defaults.jwt().getValue("requireExp")).isEqualTo(true);
    assertThat(defaults.jwt().getString("audience")).isEmpty();
    assertThat(defaults.jwt().getString("issuer")).isEmpty();
  }

  @Test
  void requireExpMayBeTurnedOff() {
    Authenticator auth = authenticator(new JsonObject().put("requireExp", false));
    Identity forever = assertAccepted(auth.verifyToken(token(new JsonObject().put("sub", "u"))));
    assertThat(forever.expiresAtMillis()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aConfiguredAudienceMustBeAmongTheTokensAudiences() {
    Authenticator auth = authenticator(new JsonObject().put("audience", "herald"));
    assertAccepted(auth.verifyToken(token(claims().put("aud", "herald"))));
    assertAccepted(auth.verifyToken(token(claims().put("aud", new JsonArray().add("billing").add("herald")))));
    assertRefused(auth.verifyToken(token(claims().put("aud", "billing"))), "audience");
    assertRefused(auth.verifyToken(token(claims())), "audience");
  }

  @Test
  void aConfiguredIssuerMustMatch() {
    Authenticator auth = authenticator(new JsonObject().put("issuer", "https://id.example"));
    assertAccepted(auth.verifyToken(token(claims().put("iss", "https://id.example"))));
    assertRefused(auth.verifyToken(token(claims().put("iss", "https://evil.example"))), "issuer");
    assertRefused(auth.verifyToken(token(claims())), "issuer");
  }

  @Test
  void theSettingsHaveEnvironmentNames() {
    HeraldConfig config = HeraldConfig.load(Map.of("HERALD_JWT_AUDIENCE", "herald", "HERALD_JWT_ISSUER", "https://id.example",
        "HERALD_JWT_REQUIRE_EXP", "false"), null);
    assertThat(config.jwt().getString("audience")).isEqualTo("herald");
    assertThat(config.jwt().getString("issuer")).isEqualTo("https://id.example");
    assertThat(config.jwt().getValue("requireExp")).isEqualTo("false");
  }

  @Test
  void theIdentityKnowsWhenItExpires() {
    long exp = System.currentTimeMillis() / 1000 + 600;
    Authenticator auth = authenticator(new JsonObject());
    Identity who = assertAccepted(auth.verifyToken(token(new JsonObject().put("sub", "u").put("exp", exp))));
    assertThat(who.expiresAtMillis()).isEqualTo(exp * 1000);
    assertThat(who.expiredAt(exp * 1000 - 1)).isFalse();
    assertThat(who.expiredAt(exp * 1000)).isTrue();
    assertThat(Identity.ANONYMOUS.expiredAt(Long.MAX_VALUE - 1)).isFalse();
  }

  private static JsonObject claims() {
    return new JsonObject().put("sub", "u").put("exp", System.currentTimeMillis() / 1000 + 600);
  }

  private static String token(JsonObject claims) {
    return Tokens.hs256(claims, TestNode.JWT_SECRET);
  }

  private static Authenticator authenticator(JsonObject jwt) {
    JsonObject conf = new JsonObject().put("secret", TestNode.JWT_SECRET).mergeIn(jwt);
    return new Authenticator(vertx, HeraldConfig.load(Map.of(), new JsonObject().put("jwt", conf)));
  }

  private static Identity assertAccepted(Future<Identity> verified) {
    Identity who = verified.toCompletionStage().toCompletableFuture().join();
    assertThat(who.subject()).isEqualTo("u");
    return who;
  }

  private static void assertRefused(Future<Identity> verified, String why) {
    Throwable err = verified.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).join();
    assertThat(err).isNotNull();
    HeraldException refused = (HeraldException) (err.getCause() instanceof HeraldException he ? he : err);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.getMessage()).contains(why);
  }
}
