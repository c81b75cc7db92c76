package dev.herald.dev;

import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import dev.herald.module.Module;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * {@code POST /dev/token {sub, roles?}}: a token for anyone, signed with the node's HS256 secret, so
 * the console (and a developer's curl) can act as any user. Mounted in development mode only
 * ({@link DevMode}); it answers callers on this machine only, unless development mode was forced
 * with HERALD_DEV=true.
 */
public final class DevModule implements Module {

  static final int TOKEN_SECONDS = 3600;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final int MAX_ROLES = 8;

  private final JWTAuth signer;
  private final JsonObject jwtConfig;
  private final boolean forced;

  public DevModule(Vertx vertx, HeraldConfig config, boolean forced) {
    this.jwtConfig = config.jwt();
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwtConfig.getString("secret"))));
    this.forced = forced;
  }

  @Override
  public void mount(Router router) {
    router.post("/dev/token").handler(this::token);
  }

  private void token(RoutingContext ctx) {
    try {
      if (!forced && !fromThisMachine(ctx)) {
        throw HeraldException.forbidden("development tokens are only given to callers on this machine");
      }
      JsonObject request = Rest.bodyObject(ctx, "invalid_token_request", "the body must be a JSON object {sub, roles?}");
      String sub = name(request.getValue("sub"), "sub");
      JsonArray roles = roles(request.getValue("roles"));
      JsonObject claims = new JsonObject().put("sub", sub).put("roles", roles);
      JWTOptions options = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(TOKEN_SECONDS);
      if (!jwtConfig.getString("audience", "").isBlank()) {
        options.addAudience(jwtConfig.getString("audience"));
      }
      if (!jwtConfig.getString("issuer", "").isBlank()) {
        options.setIssuer(jwtConfig.getString("issuer"));
      }
      long expiresAt = System.currentTimeMillis() / 1000 + TOKEN_SECONDS;
      Rest.reply(ctx, 200, new JsonObject().put("token", signer.generateToken(claims, options))
          .put("sub", sub).put("roles", roles).put("expiresAt", expiresAt));
    } catch (RuntimeException e) {
      Rest.fail(ctx, e);
    }
  }

  private static boolean fromThisMachine(RoutingContext ctx) {
    String address = ctx.request().remoteAddress().hostAddress(); // a literal address: no lookup
    try {
      return address != null && InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String name(Object value, String what) {
    if (!(value instanceof String s) || !NAME.matcher(s).matches()) {
      throw HeraldException.badRequest("invalid_token_request",
          what + " must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
    }
    return s;
  }

  private static JsonArray roles(Object value) {
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array) || array.size() > MAX_ROLES) {
      throw HeraldException.badRequest("invalid_token_request", "roles must be an array of at most " + MAX_ROLES + " names");
    }
    JsonArray roles = new JsonArray();
    for (Object role : array) {
      roles.add(name(role, "each role"));
    }
    return roles;
  }
}
