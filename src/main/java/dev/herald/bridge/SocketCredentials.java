package dev.herald.bridge;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Who bridge sockets and their frames act as, the same for every socket of the node: the
 * handshake's {@code ?token=}, a frame's own {@code headers.token}, else the socket's identity
 * while it is valid, and anonymous after that (public channels stay open to it).
 */
final class SocketCredentials {

  private static final Future<Identity> ANONYMOUS = Future.succeededFuture(Identity.ANONYMOUS);

  private final Authenticator auth;

  SocketCredentials(Authenticator auth) {
    this.auth = auth;
  }

  /** The handshake's ?token=; one that is not even valid percent-encoding is refused like any bad token. */
  Future<Identity> ofHandshake(String uri) {
    String token;
    try {
      token = queryParam(uri, "token");
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(HeraldException.unauthorized("the token on the URL is not valid percent-encoding"));
    }
    return token == null ? ANONYMOUS : auth.verifyToken(token);
  }

  /** A frame acts as its own headers.token if it has one, else as the socket (anonymous if its token was refused or expired). */
  Future<Identity> ofFrame(JsonObject headers, Future<Identity> socket) {
    Object token = headers.getValue("token");
    if (token != null) {
      return verify(token);
    }
    return socket.map(who -> who.expiredAt(System.currentTimeMillis()) ? Identity.ANONYMOUS : who)
        .recover(err -> ANONYMOUS);
  }

  /** A token given in a frame (headers.token, herald.auth's body): anything but a valid one is a 401. */
  Future<Identity> verify(Object token) {
    return auth.verifyToken(token instanceof String t ? t : null);
  }

  static String queryParam(String uri, String name) {
    int q = uri == null ? -1 : uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
