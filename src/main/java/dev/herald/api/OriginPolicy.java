package dev.herald.api;

import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser pages may use the node, on REST and on the bridge (SockJS and WebSocket
 * handshakes): a request without {@code Origin} passes (servers and native clients send none);
 * a browser's passes from the node's own origin, as the request names it ({@code X-Forwarded-Proto}
 * and {@code X-Forwarded-Host} when a proxy in front sets them, else the connection's scheme and
 * the Host header), and from the configured origins; any other gets 403 {@code origin_not_allowed}
 * and no CORS headers. REST answers allowed origins with CORS headers (no credentials: callers
 * send tokens in headers, never cookies) and their preflights with 204; SockJS adds its own
 * headers on /eventbus.
 */
final class OriginPolicy implements Handler<RoutingContext> {

  private static final String METHODS = "GET, POST, PUT, PATCH, DELETE";
  private static final String HEADERS = "Authorization, Content-Type, If-Match, X-Api-Key";
  private static final String PREFLIGHT_MAX_AGE_SECONDS = "600";

  private final boolean anyOrigin;
  private final Set<String> configured = new HashSet<>();

  /** {@code origins}: comma-separated origins such as {@code https://app.example}; {@code *} allows any. */
  OriginPolicy(String origins) {
    boolean any = false;
    for (String entry : origins == null ? new String[0] : origins.split(",")) {
      String origin = entry.trim();
      if (origin.equals("*")) {
        any = true;
      } else if (!origin.isEmpty()) {
        String normal = normalize(origin);
        if (normal == null) {
          throw new IllegalArgumentException("origins: '" + origin + "' is not an origin like https://app.example");
        }
        configured.add(normal);
      }
    }
    this.anyOrigin = any;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String origin = request.getHeader("Origin");
    if (origin == null) {
      ctx.next();
      return;
    }
    if (!allowed(origin, request)) {
      Rest.fail(ctx, new HeraldException(403, "origin_not_allowed", "pages from " + origin
          + " may not use this node (allowed: its own origin and those configured in origins / HERALD_ORIGINS)"));
      return;
    }
    if (request.path().startsWith("/api/")) {
      ctx.response().putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin")
          .putHeader("Access-Control-Expose-Headers", "Retry-After");
      if (request.method() == HttpMethod.OPTIONS && request.getHeader("Access-Control-Request-Method") != null) {
        ctx.response().putHeader("Access-Control-Allow-Methods", METHODS).putHeader("Access-Control-Allow-Headers", HEADERS)
            .putHeader("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS).setStatusCode(204).end();
        return;
      }
    }
    ctx.next();
  }

  private boolean allowed(String origin, HttpServerRequest request) {
    if (anyOrigin) {
      return true;
    }
    String normal = normalize(origin);
    return normal != null && (configured.contains(normal) || normal.equals(ownOrigin(request)));
  }

  /** The node's origin as this request names it (behind a proxy, as the proxy says the browser named it). */
  private static String ownOrigin(HttpServerRequest request) {
    String scheme = first(request.getHeader("X-Forwarded-Proto"));
    String host = first(request.getHeader("X-Forwarded-Host"));
    if (scheme == null) {
      scheme = request.isSSL() ? "https" : "http";
    }
    if (host == null) {
      host = request.getHeader("Host");
    }
    return host == null ? null : normalize(scheme + "://" + host);
  }

  /** The first of a comma-separated header's values (proxies append theirs), or null. */
  private static String first(String header) {
    if (header == null) {
      return null;
    }
    int comma = header.indexOf(',');
    String value = (comma < 0 ? header : header.substring(0, comma)).trim();
    return value.isEmpty() ? null : value;
  }

  /** scheme://host[:port] in lower case, without a default port; null when it is no http(s) origin. */
  static String normalize(String origin) {
    try {
      URI uri = new URI(origin.trim());
      String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
      if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))
          || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
        return null;
      }
      int port = uri.getPort();
      boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }
}
