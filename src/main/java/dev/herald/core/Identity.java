package dev.herald.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Who is asking: anonymous, a user holding a verified JWT (its claims), or a server holding an API
 * key. A user's identity lasts until its token's {@code exp}: a bridge socket holds one for its whole
 * life, and after that instant it counts as anonymous.
 */
public final class Identity {

  public static final Identity ANONYMOUS = new Identity(null, false);
  public static final Identity SERVER = new Identity(null, true);

  private final JsonObject claims;
  private final boolean server;
  /** The token's exp in epoch milliseconds; Long.MAX_VALUE when it has none (or is no token). */
  private final long expiresAt;

  private Identity(JsonObject claims, boolean server) {
    this.claims = claims;
    this.server = server;
    this.expiresAt = claims != null && claims.getValue("exp") instanceof Number exp
        && exp.longValue() < Long.MAX_VALUE / 1000 ? exp.longValue() * 1000 : Long.MAX_VALUE;
  }

  public static Identity user(JsonObject claims) {
    return new Identity(claims, false);
  }

  /** When the token stops being valid (epoch ms; JWT's exp is in seconds); Long.MAX_VALUE: never. */
  public long expiresAtMillis() {
    return expiresAt;
  }

  /** Whether the token is no longer valid at {@code nowMillis} (a JWT is valid strictly before its exp). */
  public boolean expiredAt(long nowMillis) {
    return nowMillis >= expiresAt;
  }

  public boolean isServer() {
    return server;
  }

  /** Refuses anyone but a server (an API key) {@code what} ("sending notifications"): 401 without credentials, 403 for a user. */
  public void requireServer(String what) {
    if (!server) {
      throw isAnonymous() ? HeraldException.unauthorized(what + " needs an API key")
          : HeraldException.forbidden(what + " needs an API key, not a user token");
    }
  }

  /** The user's id (the token's sub); 401 for {@code what} ("typing") without a user token. */
  public String requireUser(String what) {
    if (subject() == null) {
      throw HeraldException.unauthorized(what + " needs a user token");
    }
    return subject();
  }

  public boolean isAnonymous() {
    return claims == null && !server;
  }

  /** The verified claims, or an empty object for anonymous and server identities. */
  public JsonObject claims() {
    return claims == null ? new JsonObject() : claims;
  }

  public String subject() {
    return claims == null ? null : claims.getString("sub");
  }

  public boolean hasRole(String role) {
    if (claims == null) {
      return false;
    }
    Object roles = claims.getValue("roles");
    if (roles instanceof JsonArray array) {
      return array.contains(role);
    }
    return roles instanceof String single && single.equals(role);
  }
}
