package dev.herald.testing;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** JWTs as an identity provider would issue them (and a few forged ones), built by hand. */
public final class Tokens {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Tokens() {
  }

  /** A valid HS256 token for the test secret, expiring in an hour. */
  public static String user(String sub, String... roles) {
    JsonObject claims = new JsonObject().put("sub", sub).put("exp", now() + 3600);
    if (roles.length > 0) {
      claims.put("roles", new io.vertx.core.json.JsonArray(java.util.List.of((Object[]) roles)));
    }
    return hs256(claims, TestNode.JWT_SECRET);
  }

  public static String expired(String sub) {
    return hs256(new JsonObject().put("sub", sub).put("exp", now() - 600), TestNode.JWT_SECRET);
  }

  public static String wrongSecret(String sub) {
    return hs256(new JsonObject().put("sub", sub).put("exp", now() + 3600), "some-other-secret-0123456789abcdef");
  }

  /** The classic forgery: header alg none, no signature. */
  public static String algNone(String sub) {
    return encode(new JsonObject().put("alg", "none").put("typ", "JWT")) + "."
        + encode(new JsonObject().put("sub", sub).put("exp", now() + 3600)) + ".";
  }

  public static String hs256(JsonObject claims, String secret) {
    String signingInput = encode(new JsonObject().put("alg", "HS256").put("typ", "JWT")) + "." + encode(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String encode(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }
}
