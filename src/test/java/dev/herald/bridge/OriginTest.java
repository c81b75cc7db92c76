package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which browser pages may use the node: requests without an Origin (servers, native clients) pass,
 * browsers pass from the node's own origin (as a proxy in front names it with X-Forwarded-Host and
 * -Proto) and from the configured origins; any other origin is refused (403) at the WebSocket or
 * SockJS handshake and on REST, and gets no CORS headers.
 */
class OriginTest {

  static final String ALLOWED = "https://app.example";
  static final String FOREIGN = "http://evil.example";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create())
        .put("origins", ALLOWED + ", http://localhost:5173"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/eventbus/websocket", "/eventbus/7/origin/websocket"})
  void aWebSocketFromAForeignOriginIsRefusedAtTheHandshake(String path) throws Exception {
    try (HandWrittenSocket socket = HandWrittenSocket.open(node.port, path, 65536, "Origin", FOREIGN)) {
      assertThat(socket.status()).isEqualTo(403);
      assertThat(socket.header("Access-Control-Allow-Origin")).isNull();
      assertThat(new JsonObject(socket.body()).getJsonObject("error").getString("code")).isEqualTo("origin_not_allowed");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/eventbus/websocket", "/eventbus/7/origin/websocket"})
  void aWebSocketWithoutOriginFromTheNodesOwnOriginOrAConfiguredOneIsAccepted(String path) {
    String own = "http://127.0.0.1:" + node.port;
    for (String[] headers : new String[][] {{}, {"Origin", own}, {"Origin", ALLOWED}, {"Origin", "http://localhost:5173"}}) {
      try (HandWrittenSocket socket = HandWrittenSocket.open(node.port, path, 65536, headers)) {
        assertThat(socket.status()).as("Origin %s", headers.length == 0 ? "none" : headers[1]).isEqualTo(101);
      }
    }
  }

  @Test
  void behindAProxyTheOwnOriginIsTheForwardedHostAndProto() {
    String host = "X-Forwarded-Host";
    String proto = "X-Forwarded-Proto";
    assertThat(handshake("Origin", "https://herald.example", host, "herald.example", proto, "https")).isEqualTo(101);
    assertThat(handshake("Origin", "https://herald.example:443", host, "herald.example", proto, "https")).isEqualTo(101);
    assertThat(handshake("Origin", "http://herald.example", host, "herald.example", proto, "https")).isEqualTo(403);
    assertThat(handshake("Origin", "https://herald.example")).isEqualTo(403);
  }

  @Test
  void sockJsInfoAndItsHttpTransportsAnswerOnlyAllowedOrigins() throws Exception {
    HttpResponse<String> foreign = send(get("/eventbus/info").header("Origin", FOREIGN));
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(foreign.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

    HttpResponse<String> allowed = send(get("/eventbus/info").header("Origin", ALLOWED));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED);

    assertThat(send(get("/eventbus/info")).statusCode()).isEqualTo(200);

    HttpResponse<String> xhr = send(request("/eventbus/8/foreign/xhr").header("Origin", FOREIGN)
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(xhr.statusCode()).isEqualTo(403);
  }

  @Test
  void restAnswersCorsOnlyForAllowedOrigins() throws Exception {
    String path = "/api/v1/channels/market:cors/events";
    HttpResponse<String> foreign = send(get(path).header("Origin", FOREIGN));
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(foreign.body()).getJsonObject("error").getString("code")).isEqualTo("origin_not_allowed");
    assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

    HttpResponse<String> allowed = send(get(path).header("Origin", ALLOWED));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED);
    assertThat(allowed.headers().allValues("Vary")).anyMatch(v -> v.contains("Origin"));
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

    HttpResponse<String> server = send(get(path));
    assertThat(server.statusCode()).isEqualTo(200);
    assertThat(server.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

    HttpResponse<String> preflight = send(request(path).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", ALLOWED).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type"));
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
        .contains("authorization").contains("content-type");

    HttpResponse<String> foreignPreflight = send(request(path).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", FOREIGN).header("Access-Control-Request-Method", "POST"));
    assertThat(foreignPreflight.statusCode()).isEqualTo(403);
    assertThat(foreignPreflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  private static int handshake(String... headers) {
    try (HandWrittenSocket socket = HandWrittenSocket.open(node.port, "/eventbus/websocket", 65536, headers)) {
      return socket.status();
    }
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path));
  }

  private static HttpRequest.Builder get(String path) {
    return request(path).GET();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
