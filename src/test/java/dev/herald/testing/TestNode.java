package dev.herald.testing;

import dev.herald.Herald;
import dev.herald.core.HeraldConfig;
import dev.herald.core.StartupFailure;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;

/** A real Herald node for tests: a free port, a known JWT secret and API key, optional clustering. */
public final class TestNode implements AutoCloseable {

  public static final String JWT_SECRET = "test-secret-for-herald-0123456789";
  public static final String API_KEY = "test-api-key";
  /** One cluster name per test JVM, so concurrent test runs on one machine never join each other. */
  public static final String CLUSTER_NAME = "herald-test-" + UUID.randomUUID();

  public final Herald herald;
  public final int port;
  public final Http http;

  private TestNode(Herald herald, int port) {
    this.herald = herald;
    this.port = port;
    this.http = new Http(port);
  }

  public static TestNode start(String dbUrl, boolean cluster) {
    return start(new JsonObject().put("dbUrl", dbUrl).put("cluster", cluster));
  }

  /** Starts a node with the test defaults, overridden by {@code overrides}. */
  public static TestNode start(JsonObject overrides) {
    return start(Map.of(), overrides);
  }

  /** Starts a node as if these HERALD_* variables were set (e.g. HERALD_CONFIG), then the overrides. */
  public static TestNode start(Map<String, String> env, JsonObject overrides) {
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      JsonObject config = new JsonObject()
          .put("port", port)
          .put("clusterName", CLUSTER_NAME)
          .put("gatewayInstances", 2)
          .put("jwt", new JsonObject().put("secret", JWT_SECRET))
          .put("apiKeys", API_KEY)
          .mergeIn(overrides, true);
      try {
        return new TestNode(Herald.start(HeraldConfig.load(env, config)), config.getInteger("port")); // the overrides' port, if any
      } catch (StartupFailure e) {
        // the free port was taken between freePort() and the bind (another test's outgoing
        // connection, say): a test that sets no port of its own just takes another one
        if (attempt == 3 || overrides.containsKey("port") || !e.getMessage().contains("is in use")) {
          throw e;
        }
      }
    }
  }

  public BridgeClient bridge() {
    return BridgeClient.connect(port, null);
  }

  public BridgeClient bridge(String token) {
    return BridgeClient.connect(port, token);
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    herald.close();
  }
}
