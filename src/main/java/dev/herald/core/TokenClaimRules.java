package dev.herald.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a correctly signed token must also say before Herald accepts it, from config: {@code
 * jwt.audience} (its {@code aud} must name it), {@code jwt.issuer} (its {@code iss} must equal it),
 * {@code jwt.requireExp} (it must expire: a token without {@code exp} would be valid forever, and an
 * open socket would never have to renew it). Each refusal is a 401 that says which claim failed.
 */
final class TokenClaimRules {

  private final String audience;
  private final String issuer;
  private final boolean requireExp;

  TokenClaimRules(JsonObject jwt) {
    this.audience = blankToNull(jwt.getValue("audience"));
    this.issuer = blankToNull(jwt.getValue("issuer"));
    this.requireExp = Boolean.parseBoolean(String.valueOf(jwt.getValue("requireExp", true)));
  }

  void check(JsonObject claims) {
    if (requireExp && !(claims.getValue("exp") instanceof Number)) {
      throw HeraldException.unauthorized("the token has no exp; this server only accepts tokens that expire");
    }
    if (audience != null && !names(claims.getValue("aud"), audience)) {
      throw HeraldException.unauthorized("the token's audience (aud) does not include this server's");
    }
    if (issuer != null && !issuer.equals(claims.getValue("iss"))) {
      throw HeraldException.unauthorized("the token's issuer (iss) is not the one this server trusts");
    }
  }

  /** aud is a string or an array of strings (RFC 7519, 4.1.3). */
  private static boolean names(Object aud, String wanted) {
    return wanted.equals(aud) || aud instanceof JsonArray list && list.contains(wanted);
  }

  private static String blankToNull(Object value) {
    return value == null || value.toString().isBlank() ? null : value.toString().trim();
  }
}
