package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tokens signed by an identity provider's RSA key, verified with the public key from config. */
class Rs256TokenTest {

  static KeyPair provider;
  static KeyPair impostor;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    provider = generator.generateKeyPair();
    impostor = generator.generateKeyPair();
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(provider.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create())
        .put("jwt", new JsonObject().put("secret", "").put("publicKey", pem)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void tokensSignedWithTheProvidersKeyAreAcceptedOthersAreNot() throws Exception {
    long exp = System.currentTimeMillis() / 1000 + 3600;
    String good = rs256(new JsonObject().put("sub", "77").put("exp", exp), provider.getPrivate());
    String forged = rs256(new JsonObject().put("sub", "77").put("exp", exp), impostor.getPrivate());
    assertThat(node.http.get("/api/v1/channels/user:77/events", "Authorization", "Bearer " + good).status()).isEqualTo(200);
    assertThat(node.http.get("/api/v1/channels/user:77/events", "Authorization", "Bearer " + forged).status()).isEqualTo(401);
    // an HS256 token is refused when only an RSA public key is configured
    assertThat(node.http.get("/api/v1/channels/user:77/events",
        "Authorization", "Bearer " + dev.herald.testing.Tokens.user("77")).status()).isEqualTo(401);
  }

  static String rs256(JsonObject claims, PrivateKey key) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "JWT").encode().getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(key);
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64.encodeToString(signer.sign());
  }
}
