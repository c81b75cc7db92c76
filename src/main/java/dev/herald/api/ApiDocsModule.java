package dev.herald.api;

import dev.herald.module.Module;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * The REST contract where tools look for it: {@code GET /openapi.yaml}, written by hand (OpenApiTest
 * holds it to the routes the node mounts), and Swagger UI at {@code /docs}, served from the
 * swagger-ui WebJar so that a node shows its API with no CDN and no network.
 */
public final class ApiDocsModule implements Module {

  /** The WebJar's own page and its initializer show the petstore from the internet: /docs is Herald's page instead. */
  private static final Set<String> STOCK_FILES = Set.of("index.html", "swagger-initializer.js");

  private final byte[] spec = resource("/apidocs/openapi.yaml");
  private final byte[] page = resource("/apidocs/index.html");
  private final String swaggerUi = WebJars.root("org.webjars", "swagger-ui");

  @Override
  public void mount(Router router) {
    router.get("/openapi.yaml").handler(ctx -> send(ctx, "application/yaml", spec));
    // an exact path: Vert.x matches /docs/ here too
    router.get("/docs").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
    // no method: the page's files, not a REST route (OpenApiTest and AuthMatrixTest list routes with methods)
    StaticHandler files = StaticHandler.create(swaggerUi);
    router.route("/docs/*").handler(ctx -> {
      String path = ctx.normalizedPath();
      if (STOCK_FILES.contains(path.substring(path.lastIndexOf('/') + 1))) {
        ctx.next(); // on to the 404
      } else {
        files.handle(ctx);
      }
    });
  }

  /** A fresh Buffer per response: the gateway's instances answer on several event loops at once. */
  private static void send(RoutingContext ctx, String contentType, byte[] body) {
    ctx.response().putHeader("Content-Type", contentType).end(Buffer.buffer(body));
  }

  private static byte[] resource(String path) {
    try (InputStream in = ApiDocsModule.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
