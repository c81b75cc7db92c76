package dev.herald.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Herald's configuration: the shipped herald.yaml defaults, then the operator's file
 * ({@code HERALD_CONFIG}, else ./herald.yaml if present), then environment variables, then
 * programmatic overrides (tests). Every scalar key has an environment name derived from its path:
 * {@code jwt.publicKey} is {@code HERALD_JWT_PUBLIC_KEY}, {@code namespaces.chat.history.maxEvents}
 * is {@code HERALD_NAMESPACES_CHAT_HISTORY_MAX_EVENTS}.
 */
public final class HeraldConfig {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final JsonObject json;

  private HeraldConfig(JsonObject json) {
    this.json = json;
  }

  /** Loads the layered configuration from the process environment, with optional overrides on top. */
  public static HeraldConfig load(Map<String, String> env, JsonObject overrides) {
    JsonObject merged = readResource("herald.yaml");
    String file = env.getOrDefault("HERALD_CONFIG", "");
    Path path = file.isBlank() ? Path.of("herald.yaml") : Path.of(file);
    if (Files.isRegularFile(path)) {
      deepMerge(merged, readFile(path));
    } else if (!file.isBlank()) {
      throw new IllegalArgumentException("HERALD_CONFIG points at " + path + ", which is not a file");
    }
    applyEnv(merged, null, "HERALD", env);
    webhookSecretsFromEnv(merged.getJsonObject("webhooks", new JsonObject()), env);
    if (overrides != null) {
      deepMerge(merged, overrides);
    }
    return new HeraldConfig(merged);
  }

  /** A webhook source's secret comes from HERALD_WEBHOOK_{SOURCE}_SECRET (e.g. HERALD_WEBHOOK_CHAINHOOK_SECRET). */
  private static void webhookSecretsFromEnv(JsonObject webhooks, Map<String, String> env) {
    for (String source : webhooks.fieldNames()) {
      String secret = env.get(envName("HERALD_WEBHOOK", source) + "_SECRET");
      if (secret != null && webhooks.getValue(source) instanceof JsonObject conf) {
        conf.put("secret", secret);
      }
    }
  }

  /** Outbound delivery for offline users (see herald.yaml); its secret included, so never log this. */
  public JsonObject outbound() {
    return json.getJsonObject("outbound", new JsonObject());
  }

  /** Inbound webhook sources (see herald.yaml); secrets included, so never log this. */
  public JsonObject webhooks() {
    return json.getJsonObject("webhooks", new JsonObject());
  }

  public JsonObject json() {
    return json;
  }

  /** This configuration with {@code overrides} merged over it (objects key by key). */
  public HeraldConfig merged(JsonObject overrides) {
    JsonObject copy = json.copy();
    deepMerge(copy, overrides);
    return new HeraldConfig(copy);
  }

  /** Development mode: auto, true or false (see herald.yaml). */
  public String dev() {
    return String.valueOf(json.getValue("dev", "auto")).trim().toLowerCase(Locale.ROOT);
  }

  public int port() {
    return Integer.parseInt(json.getValue("port").toString());
  }

  public String dataDir() {
    return json.getString("dataDir", "./data");
  }

  public String dbUrl() {
    return blankToNull(json.getString("dbUrl"));
  }

  /** Connections in the node's database pool. */
  public int dbPoolSize() {
    return Integer.parseInt(json.getValue("dbPoolSize", 8).toString());
  }

  /** Requests that may wait for a pooled connection; more get 503 with Retry-After. */
  public int dbPoolWaitQueue() {
    return Integer.parseInt(json.getValue("dbPoolWaitQueue", 1024).toString());
  }

  public boolean cluster() {
    return Boolean.parseBoolean(String.valueOf(json.getValue("cluster", false)));
  }

  /** Overrides cluster.xml's cluster-name, so separate clusters can share a network (or a test machine). */
  public String clusterName() {
    return blankToNull(json.getString("clusterName"));
  }

  public String clusterHost() {
    return json.getString("clusterHost", "127.0.0.1");
  }

  public int maxBodyBytes() {
    return Integer.parseInt(json.getValue("maxBodyBytes", 65536).toString());
  }

  public JsonObject jwt() {
    return json.getJsonObject("jwt", new JsonObject());
  }

  public String apiKeys() {
    return json.getString("apiKeys", "");
  }

  /** Browser origins allowed beside the node's own (comma-separated; "*" for any). */
  public String origins() {
    return json.getString("origins", "");
  }

  /** The bridge's abuse limits (see herald.yaml). */
  public JsonObject limits() {
    return json.getJsonObject("limits", new JsonObject());
  }

  public JsonObject namespaces() {
    return json.getJsonObject("namespaces", new JsonObject());
  }

  public JsonObject aggregates() {
    return json.getJsonObject("aggregates", new JsonObject());
  }

  /** The notification inbox's retention (see herald.yaml). */
  public JsonObject inbox() {
    return json.getJsonObject("inbox", new JsonObject());
  }

  /** Document collections and their rules (see herald.yaml). */
  public JsonObject collections() {
    return json.getJsonObject("collections", new JsonObject());
  }

  /** On SIGTERM, how long requests in flight may take to finish before the node closes anyway. */
  public Duration drainTimeout() {
    return Namespace.parseDuration(json.getValue("drainTimeout", "20s").toString(), "drainTimeout");
  }

  public int gatewayInstances() {
    int configured = Integer.parseInt(json.getValue("gatewayInstances", 0).toString());
    return configured > 0 ? configured : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Environment name of a config path, e.g. ["jwt","publicKey"] under prefix HERALD is HERALD_JWT_PUBLIC_KEY. */
  static String envName(String prefix, String key) {
    return prefix + "_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
  }

  /**
   * Sets the keys that HERALD_* variables name. A key is known from the config itself or, under a
   * namespace, from the default namespace's (so HERALD_NAMESPACES_MARKET_HISTORY_MAX_EVENTS works
   * although market declares no history of its own).
   */
  private static void applyEnv(JsonObject node, JsonObject shape, String prefix, Map<String, String> env) {
    Set<String> keys = new TreeSet<>(node.fieldNames());
    if (shape != null) {
      keys.addAll(shape.fieldNames());
    }
    boolean namespaces = prefix.equals("HERALD_NAMESPACES");
    for (String key : keys) {
      String name = envName(prefix, key);
      Object value = node.getValue(key);
      Object shaped = namespaces ? node.getValue("default") : shape == null ? null : shape.getValue(key);
      if (value instanceof JsonObject || shaped instanceof JsonObject) {
        JsonObject child = value instanceof JsonObject c ? c : new JsonObject();
        applyEnv(child, shaped instanceof JsonObject s ? s : null, name, env);
        if (!(value instanceof JsonObject) && !child.isEmpty()) {
          node.put(key, child);
        }
      } else if (env.containsKey(name)) {
        node.put(key, env.get(name));
      }
    }
  }

  private static void deepMerge(JsonObject target, JsonObject source) {
    for (String key : source.fieldNames()) {
      Object value = source.getValue(key);
      if (value instanceof JsonObject child && target.getValue(key) instanceof JsonObject existing) {
        deepMerge(existing, child);
      } else {
        target.put(key, value);
      }
    }
  }

  private static JsonObject readResource(String name) {
    try (InputStream in = HeraldConfig.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing built-in resource " + name);
      }
      return toJson(YAML.readValue(in, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject readFile(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return toJson(YAML.readValue(in, Map.class));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + path + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static JsonObject toJson(Map<?, ?> map) {
    return map == null ? new JsonObject() : new JsonObject((Map<String, Object>) map).copy();
  }
}
