package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeraldConfigTest {

  @TempDir
  Path dir;

  @Test
  void defaultsServeOn8080WithEmbeddedDatabaseInData() {
    HeraldConfig config = HeraldConfig.load(Map.of(), null);
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.dataDir()).isEqualTo("./data");
    assertThat(config.dbUrl()).isNull();
    assertThat(config.cluster()).isFalse();
    assertThat(config.maxBodyBytes()).isEqualTo(65536);
  }

  @Test
  void theDocumentedEnvironmentVariablesOverrideTheirKeys() {
    HeraldConfig config = HeraldConfig.load(Map.of(
        "HERALD_PORT", "9090",
        "HERALD_DATA_DIR", "/var/lib/herald",
        "HERALD_DB_URL", "postgresql://u:p@db:5432/herald",
        "HERALD_JWT_SECRET", "s",
        "HERALD_JWT_PUBLIC_KEY", "pem",
        "HERALD_API_KEYS", "a,b",
        "HERALD_CLUSTER", "true",
        "HERALD_NAMESPACES_CHAT_HISTORY_MAX_EVENTS", "50"), null);
    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.dataDir()).isEqualTo("/var/lib/herald");
    assertThat(config.dbUrl()).isEqualTo("postgresql://u:p@db:5432/herald");
    assertThat(config.jwt().getString("secret")).isEqualTo("s");
    assertThat(config.jwt().getString("publicKey")).isEqualTo("pem");
    assertThat(config.apiKeys()).isEqualTo("a,b");
    assertThat(config.cluster()).isTrue();
    assertThat(new Namespaces(config.namespaces()).of("chat:x").historyMaxEvents()).isEqualTo(50);
  }

  @Test
  void anOperatorFileNamedByHeraldConfigIsLayeredOverTheDefaults() throws Exception {
    Path file = dir.resolve("herald.yaml");
    Files.writeString(file, "port: 7000\nnamespaces:\n  vip:\n    subscribe: \"'vip' in auth.roles\"\n");
    HeraldConfig config = HeraldConfig.load(Map.of("HERALD_CONFIG", file.toString(), "HERALD_PORT", "7001"), null);
    assertThat(config.port()).isEqualTo(7001); // env wins over the file
    assertThat(config.namespaces().getJsonObject("vip").getString("subscribe")).isEqualTo("'vip' in auth.roles");
    assertThat(config.namespaces().containsKey("chat")).isTrue(); // defaults kept
  }

  @Test
  void aMissingConfigFileIsAClearStartupError() {
    assertThatThrownBy(() -> HeraldConfig.load(Map.of("HERALD_CONFIG", dir.resolve("nope.yaml").toString()), null))
        .hasMessageContaining("HERALD_CONFIG");
  }

  @Test
  void aNamespaceTakesEnvVariablesForKeysOnlyTheDefaultNamespaceDeclares() {
    // market declares no history in herald.yaml: the variable still sets it, and only for market
    HeraldConfig config = HeraldConfig.load(Map.of("HERALD_NAMESPACES_MARKET_HISTORY_MAX_EVENTS", "7",
        "HERALD_NAMESPACES_MARKET_LIMITS_PUBLISH_PER_USER", "3/1s"), null);
    Namespaces namespaces = new Namespaces(config.namespaces());
    assertThat(namespaces.of("market:x").historyMaxEvents()).isEqualTo(7);
    assertThat(namespaces.of("sales").historyMaxEvents()).isEqualTo(1000);
    assertThat(config.namespaces().getJsonObject("market").getJsonObject("limits").getJsonObject("publish").getString("perUser"))
        .isEqualTo("3/1s");
  }

  @Test
  void envNamesFollowTheKeyPath() {
    assertThat(HeraldConfig.envName("HERALD", "publicKey")).isEqualTo("HERALD_PUBLIC_KEY");
    assertThat(HeraldConfig.envName("HERALD_NAMESPACES", "market")).isEqualTo("HERALD_NAMESPACES_MARKET");
  }

  @Test
  void programmaticOverridesComeLast() {
    HeraldConfig config = HeraldConfig.load(Map.of("HERALD_PORT", "1"), new JsonObject().put("port", 2));
    assertThat(config.port()).isEqualTo(2);
  }
}
