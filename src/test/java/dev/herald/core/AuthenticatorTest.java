package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

  @Test
  void startsWithoutAnyJwtKeyAndRefusesTokens() {
    Vertx vertx = Vertx.vertx();
    try {
      HeraldConfig config = HeraldConfig.load(Map.of(), new JsonObject().put("apiKeys", "k1"));
      Authenticator auth = new Authenticator(vertx, config);
      assertThat(auth.isApiKey("k1")).isTrue();
      Throwable refused = auth.verifyToken("some.jwt.token").cause();
      assertThat(refused).isInstanceOf(HeraldException.class);
      assertThat(((HeraldException) refused).status()).isEqualTo(401);
    } finally {
      vertx.close().await();
    }
  }
}
