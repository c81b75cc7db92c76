package dev.herald.core;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns credentials into an {@link Identity}: JWTs (HS256 secret or RS256 public key, then the
 * configured claim rules: {@link TokenClaimRules}) for users, API keys for servers. API keys are
 * kept only as SHA-256 hashes; config may give them plain (hashed at start) or already hashed as
 * {@code sha256:<hex>}.
 */
public final class Authenticator {

  private final JWTAuth jwt;
  private final TokenClaimRules claimRules;
  private final List<byte[]> apiKeyHashes;

  public Authenticator(Vertx vertx, HeraldConfig config) {
    this.jwt = createJwt(vertx, config.jwt());
    this.claimRules = new TokenClaimRules(config.jwt());
    this.apiKeyHashes = parseApiKeys(config.apiKeys());
  }

  /**
   * Verifies a bearer token; fails with 401 on anything but a correctly signed token, valid now
   * (exp, nbf), that meets the claim rules.
   */
  public Future<Identity> verifyToken(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(HeraldException.unauthorized("a token is required"));
    }
    if (jwt == null) {
      return Future.failedFuture(HeraldException.unauthorized(
          "this server has no JWT key configured (set HERALD_JWT_SECRET or HERALD_JWT_PUBLIC_KEY)"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(HeraldException.unauthorized("invalid or expired token")))
        .map(user -> {
          // the token's own payload: Vert.x's principal leaves out exp, iat and nbf and adds the raw token
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal()).copy();
          claimRules.check(claims);
          return Identity.user(claims);
        });
  }

  public boolean isApiKey(String key) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    byte[] hash = sha256(key);
    boolean match = false;
    for (byte[] known : apiKeyHashes) {
      match |= MessageDigest.isEqual(known, hash);
    }
    return match;
  }

  /** Resolves REST credentials: X-Api-Key first, then an Authorization bearer token, else anonymous. */
  public Future<Identity> fromHeaders(String apiKey, String authorization) {
    if (apiKey != null) {
      return isApiKey(apiKey)
          ? Future.succeededFuture(Identity.SERVER)
          : Future.failedFuture(HeraldException.unauthorized("unknown API key"));
    }
    if (authorization == null) {
      return Future.succeededFuture(Identity.ANONYMOUS);
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(HeraldException.unauthorized("Authorization must be 'Bearer <token>'"));
    }
    return verifyToken(authorization.substring(7).trim());
  }

  private static JWTAuth createJwt(Vertx vertx, JsonObject conf) {
    String secret = conf.getString("secret", "");
    String publicKey = conf.getString("publicKey", "");
    JWTAuthOptions options = new JWTAuthOptions();
    if (!publicKey.isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(publicKey));
    }
    if (!secret.isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
    }
    // getPubSecKeys() is null (not empty) until a key is added
    return options.getPubSecKeys() == null || options.getPubSecKeys().isEmpty() ? null : JWTAuth.create(vertx, options);
  }

  private static List<byte[]> parseApiKeys(String csv) {
    List<byte[]> hashes = new ArrayList<>();
    for (String entry : csv == null ? new String[0] : csv.split(",")) {
      String key = entry.trim();
      if (key.isEmpty()) {
        continue;
      }
      hashes.add(key.startsWith("sha256:") ? HexFormat.of().parseHex(key.substring(7)) : sha256(key));
    }
    return hashes;
  }

  static byte[] sha256(String s) {
    return Digests.sha256(s.getBytes(StandardCharsets.UTF_8));
  }
}
