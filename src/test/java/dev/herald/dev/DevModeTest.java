package dev.herald.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.core.HeraldConfig;
import dev.herald.core.StartupFailure;
import dev.herald.testing.Chainhook;
import dev.herald.testing.Http;
import dev.herald.testing.LogCapture;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started with no keys is usable at once: it makes credentials for its data dir, says where
 * (never what they are), and hands out tokens at POST /dev/token; configured keys, HERALD_DEV=false
 * and clustering keep it out of development mode unless HERALD_DEV=true forces it.
 */
class DevModeTest {

  @TempDir
  Path dataDir;

  /** No JWT key, no API key: what `java -jar herald.jar` on a fresh machine has. */
  private JsonObject noKeys() {
    return new JsonObject().put("dbUrl", TestDatabase.create()).put("dataDir", dataDir.toString())
        .put("jwt", new JsonObject().put("secret", "")).put("apiKeys", "");
  }

  @Test
  void aNodeWithNoKeysMakesCredentialsForItsDataDirSaysWhereAndTheyWork() throws Exception {
    String dbUrl;
    String token;
    JsonObject credentials;
    JsonObject config = noKeys();
    dbUrl = config.getString("dbUrl");
    try (LogCapture log = new LogCapture(); TestNode node = TestNode.start(config)) {
      Path file = dataDir.resolve("dev-credentials.json");
      credentials = new JsonObject(Files.readString(file));
      assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      List<String> secrets = List.of(credentials.getString("jwtSecret"), credentials.getString("apiKey"),
          credentials.getString("chainhookSecret"));
      assertThat(log.lines()).anyMatch(l -> l.contains("development mode") && l.contains(file.toAbsolutePath().toString()));
      for (String secret : secrets) {
        assertThat(log.lines()).as("the log never shows a secret").noneMatch(l -> l.contains(secret));
      }

      Http.Response issued = node.http.post("/dev/token", new JsonObject().put("sub", "ada").put("roles", new JsonArray().add("admin")));
      assertThat(issued.status()).as(issued.body()).isEqualTo(200);
      token = issued.json().getString("token");
      assertThat(issued.json().getLong("expiresAt")).isGreaterThan(System.currentTimeMillis() / 1000 + 3000);
      assertThat(node.http.get("/api/v1/me/notifications", "Authorization", "Bearer " + token).status()).isEqualTo(200);
      assertThat(node.http.get("/api/v1/me/notifications", "Authorization", "Bearer " + token + "x").status())
          .as("a forged token is still refused").isEqualTo(401);

      Http.Response published = node.http.post("/api/v1/channels/news/events", new JsonObject().put("type", "n").put("data", 1),
          "X-Api-Key", credentials.getString("apiKey"));
      assertThat(published.status()).as("the generated API key publishes").isEqualTo(201);

      String block = Chainhook.fixture();
      Http.Response hook = node.http.post("/api/v1/webhooks/chainhook", block, "X-Signature", Chainhook.signature(credentials.getString("chainhookSecret"), block),
          "X-Delivery-Id", "dev-1");
      assertThat(hook.status()).as("the chainhook source is on, with the generated secret: %s", hook.body()).isIn(200, 201, 202);
    }
    JsonObject again = new JsonObject().put("dbUrl", dbUrl).put("dataDir", dataDir.toString())
        .put("jwt", new JsonObject().put("secret", "")).put("apiKeys", "");
    try (TestNode restarted = TestNode.start(again)) {
      assertThat(new JsonObject(Files.readString(dataDir.resolve("dev-credentials.json")))).isEqualTo(credentials);
      assertThat(restarted.http.get("/api/v1/me/notifications", "Authorization", "Bearer " + token).status())
          .as("tokens from before the restart still work").isEqualTo(200);
    }
  }

  @Test
  void tokenRequestsThatAreNotWellFormedGetA400AndNoToken() {
    try (TestNode node = TestNode.start(noKeys())) {
      List<String> bad = List.of("{}", "{\"sub\":\"\"}", "{\"sub\":\"a:b\"}", "{\"sub\":\"ada\\u0000\"}", "{\"sub\":\"\\ud800\"}",
          "{\"sub\":\"" + "a".repeat(65) + "\"}", "{\"sub\":42}", "{\"sub\":\"ada\",\"roles\":\"admin\"}",
          "{\"sub\":\"ada\",\"roles\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}", "{\"sub\":\"ada\",\"roles\":[null]}",
          "{\"sub\":\"ada\",\"roles\":[\"ad min\"]}", "[]", "not json", "");
      for (String body : bad) {
        Http.Response r = node.http.post("/dev/token", body);
        assertThat(r.status()).as("%s -> %s", body, r.body()).isEqualTo(400);
        assertThat(r.errorCode()).as(body).isIn("invalid_token_request", "invalid_json");
        assertThat(r.body()).doesNotContain("token\":").doesNotContain("Exception");
      }
      assertThat(node.http.post("/dev/token", new JsonObject().put("sub", "ada")).status()).as("the node still serves").isEqualTo(200);
    }
  }

  @Test
  void configuredKeysOrDevFalseMeanNoTokenEndpointAndNoCredentialsFile() {
    try (TestNode keyed = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("dataDir", dataDir.toString()))) {
      assertThat(keyed.http.post("/dev/token", new JsonObject().put("sub", "ada")).status()).isEqualTo(404);
    }
    try (TestNode off = TestNode.start(noKeys().put("dev", "false"))) {
      assertThat(off.http.post("/dev/token", new JsonObject().put("sub", "ada")).status()).isEqualTo(404);
    }
    assertThat(dataDir.resolve("dev-credentials.json")).doesNotExist();
  }

  @Test
  void forcedBesideConfiguredKeysTheTokensAreSignedWithTheConfiguredSecretAndTheConfiguredKeyStays() throws Exception {
    JsonObject forced = new JsonObject().put("dbUrl", TestDatabase.create()).put("dataDir", dataDir.toString()).put("dev", "true");
    try (TestNode node = TestNode.start(Map.of(), forced)) {
      String token = node.http.post("/dev/token", new JsonObject().put("sub", "bob")).json().getString("token");
      assertThat(node.http.get("/api/v1/me/notifications", "Authorization", "Bearer " + token).status()).isEqualTo(200);
      assertThat(node.http.publish("news", "n", 1).status()).as("the configured API key").isEqualTo(201);
      String generatedKey = new JsonObject(Files.readString(dataDir.resolve("dev-credentials.json"))).getString("apiKey");
      assertThat(node.http.post("/api/v1/channels/news/events", new JsonObject().put("type", "n"), "X-Api-Key", generatedKey).status())
          .as("configured keys are not joined by generated ones").isEqualTo(401);
    }
  }

  @Test
  void aClusteredNodeWithoutKeysStaysOutOfDevelopmentModeUnlessForced() {
    JsonObject none = new JsonObject().put("jwt", new JsonObject().put("secret", "")).put("apiKeys", "");
    assertThat(DevMode.enabled(HeraldConfig.load(Map.of(), none.copy()))).isTrue();
    assertThat(DevMode.enabled(HeraldConfig.load(Map.of(), none.copy().put("cluster", true)))).isFalse();
    assertThat(DevMode.enabled(HeraldConfig.load(Map.of("HERALD_DEV", "true"), none.copy().put("cluster", true)))).isTrue();
    assertThat(DevMode.enabled(HeraldConfig.load(Map.of("HERALD_DEV", "false"), none.copy()))).isFalse();
    assertThatThrownBy(() -> DevMode.enabled(HeraldConfig.load(Map.of("HERALD_DEV", "yes"), none.copy())))
        .isInstanceOf(StartupFailure.class).hasMessageContaining("auto, true or false");
  }
}
