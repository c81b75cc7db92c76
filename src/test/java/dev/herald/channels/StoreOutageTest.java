package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When the database goes away, reads and writes say "unavailable, try again" (503), not "internal error". */
class StoreOutageTest {

  /** HTTP/1.1: one connection per request in flight (an h2c upgrade would multiplex a burst over one, up to 100 streams). */
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void historyAndPublishAnswer503WhenTheDatabaseIsGone() throws Exception {
    String url = TestDatabase.create();
    try (TestNode node = TestNode.start(url, false)) {
      assertThat(node.http.publish("outage", "t", 1).status()).isEqualTo(201);
      drop(url);

      HttpResponse<String> history = get(node.port, "/api/v1/channels/outage/events");
      assertUnavailable(history);
      HttpResponse<String> publish = post(node.port, "/api/v1/channels/outage/events", "{\"type\":\"t\"}");
      assertUnavailable(publish);
      try (BridgeClient socket = node.bridge()) {
        JsonObject err = socket.request("herald.history", new JsonObject().put("channel", "sales"));
        assertThat(err.getString("type")).isEqualTo("err");
        assertThat(err.getInteger("failureCode")).isEqualTo(503);
        assertThat(err.getString("message")).startsWith("unavailable:");
      }
    }
  }

  static void assertUnavailable(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("unavailable");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
  }

  /** Drops the node's database under it, closing its connections: as if the server had been lost. */
  private static void drop(String url) throws Exception {
    URI uri = URI.create(url);
    String name = uri.getPath().substring(1);
    String admin = "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + "/postgres";
    try (Connection c = DriverManager.getConnection(admin, "postgres", "postgres"); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE " + name + " WITH (FORCE)");
    }
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-Api-Key", TestNode.API_KEY).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(int port, String path, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-Api-Key", TestNode.API_KEY).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
