package dev.herald.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Who is asking: anonymous, a user holding a verified JWT (its claims), or a server holding an API key. */
public final class Identity {

  public static final Identity ANONYMOUS = new Identity(null, false);
  public static final Identity SERVER = new Identity(null, true);

  private final JsonObject claims;
  private final boolean server;

  private Identity(JsonObject claims, boolean server) {
    this.claims = claims;
    this.server = server;
  }

  public static Identity user(JsonObject claims) {
    return new Identity(claims, false);
  }

  public boolean isServer() {
    return server;
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
