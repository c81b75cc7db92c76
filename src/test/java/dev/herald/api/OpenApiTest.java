package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /openapi.yaml} is the contract the node really serves: its (method, path) pairs are
 * exactly the routes the modules mount (each module's {@code mount} on a fresh Router, read back
 * as AuthMatrixTest does), so a route added without documenting it, or documented and gone, fails.
 *
 * <p>Both sides count every route a module mounts with a method: /health/live and /health/ready,
 * and /openapi.yaml and /docs themselves, are documented like the rest. Not REST, so on neither
 * side: the bridge (/eventbus/*, mounted by BridgeEndpoint, not a module), the console and /sdk
 * files (the gateway's), and /docs/* (Swagger UI's files, a route without a method). A module route
 * without a method at an exact path, or without a path (a regex), would answer requests the
 * document cannot name: that fails too.
 */
class OpenApiTest extends OneNodeTest {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

  @Test
  void theDocumentNamesExactlyTheRoutesTheNodeServes() {
    Set<String> documented = new TreeSet<>();
    operations(spec()).forEach(op -> documented.add(op.method().toUpperCase(Locale.ROOT) + " " + op.path()));
    assertThat(documented).as("(method, path) in /openapi.yaml").isEqualTo(served());
  }

  @Test
  void theDocumentIsOpenApi31WithASuccessForEveryOperation() {
    JsonNode spec = spec();
    assertThat(spec.path("openapi").asText()).matches("3\\.1\\.\\d+");
    List<String> wrong = new ArrayList<>();
    for (Operation op : operations(spec)) {
      List<String> statuses = new ArrayList<>();
      op.node().path("responses").fieldNames().forEachRemaining(statuses::add);
      if (statuses.stream().noneMatch(s -> s.startsWith("2"))) {
        wrong.add(op + ": no 2xx response");
      }
      // every {name} in the path is declared, on the path or the operation (Swagger UI needs it to call)
      Set<String> declared = new TreeSet<>();
      for (JsonNode list : List.of(spec.path("paths").path(op.path()).path("parameters"), op.node().path("parameters"))) {
        list.forEach(p -> {
          JsonNode param = resolve(spec, p);
          if ("path".equals(param.path("in").asText())) {
            declared.add(param.path("name").asText());
          }
        });
      }
      Matcher m = PATH_PARAM.matcher(op.path());
      while (m.find()) {
        if (!declared.contains(m.group(1))) {
          wrong.add(op + ": path parameter " + m.group(1) + " not declared");
        }
      }
    }
    refs(spec, spec, wrong);
    assertThat(wrong).isEmpty();
  }

  @Test
  void docsServeSwaggerUiFromTheWebJarPointedAtTheDocument() {
    Http.Response page = node.http.get("/docs");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.body()).contains("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "'/openapi.yaml'");
    assertThat(node.http.get("/docs/").body()).isEqualTo(page.body());

    Http.Response bundle = node.http.get("/docs/swagger-ui-bundle.js");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.header("Content-Type")).contains("javascript");
    assertThat(bundle.body()).contains("SwaggerUIBundle");
    Http.Response css = node.http.get("/docs/swagger-ui.css");
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.header("Content-Type")).startsWith("text/css");
    // the WebJar's own page would show the petstore from the internet
    assertThat(node.http.get("/docs/index.html").status()).isEqualTo(404);
    assertThat(node.http.get("/docs/swagger-initializer.js").status()).isEqualTo(404);
  }

  // ---- the two sides ----

  /** The routes every module mounts, as "METHOD /path/{param}". */
  private static Set<String> served() {
    Router router = Router.router(node.herald.vertx());
    // a node in development mode, whose modules are all of a keyed node's and the dev routes
    try (TestNode dev = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("dev", "true")
        .put("dataDir", devDataDir().toString()))) {
      dev.herald.modules().forEach(m -> m.mount(router));
    }
    Set<String> served = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      assertThat(route.getPath()).as("a module route without a path cannot be documented").isNotNull();
      if (route.methods() == null || route.methods().isEmpty()) {
        assertThat(route.isExactPath()).as("a module route without a method at " + route.getPath()).isFalse();
        continue;
      }
      String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      route.methods().forEach(m -> served.add(m.name() + " " + path));
    }
    return served;
  }

  private static Path devDataDir() {
    try {
      return Files.createTempDirectory("openapi-dev");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Operation(String method, String path, JsonNode node) {
    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path;
    }
  }

  private static List<Operation> operations(JsonNode spec) {
    List<Operation> ops = new ArrayList<>();
    spec.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
      if (METHODS.contains(op.getKey())) {
        ops.add(new Operation(op.getKey(), path.getKey(), op.getValue()));
      }
    }));
    return ops;
  }

  private static JsonNode spec() {
    Http.Response r = node.http.get("/openapi.yaml");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/yaml");
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode resolve(JsonNode spec, JsonNode node) {
    return node.has("$ref") ? spec.at(node.get("$ref").asText().substring(1)) : node;
  }

  /** Every local $ref points at something. */
  private static void refs(JsonNode spec, JsonNode node, List<String> wrong) {
    if (node.has("$ref") && spec.at(node.get("$ref").asText().substring(1)).isMissingNode()) {
      wrong.add("dangling $ref " + node.get("$ref").asText());
    }
    node.forEach(child -> refs(spec, child, wrong));
  }
}
