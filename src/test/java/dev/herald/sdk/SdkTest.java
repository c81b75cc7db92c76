package dev.herald.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.herald.testing.Http;
import dev.herald.testing.NodeScript;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JS SDK (clients/js) as users get it: its own tests, run by node's test runner against this
 * node (subscribe through cut connections, offline and cut-off publishes stored once, history
 * both ways, refusals), and the module served at /sdk/herald.js for pages that import it as is.
 */
class SdkTest {

  static final Path SDK_DIR = NodeScript.SDK_DIR;
  static final Path LOG = SDK_DIR.resolve("../../target/sdk-tests.log").normalize();
  static final Duration TIMEOUT = Duration.ofMinutes(4);

  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    NodeScript.install();
    // short: keeps 3 events per channel, for what the SDK does with events trimmed while it was away;
    // busy: 5 publishes per second per user, for how it takes a 429
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("short", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxEvents", 3)))
        .put("busy", new JsonObject().put("subscribe", "authenticated").put("publish", "authenticated")
            .put("limits", new JsonObject().put("publish", new JsonObject().put("perUser", "5/1s"))))));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theSdksOwnTestsPassAgainstARealNode() throws Exception {
    ProcessBuilder run = new ProcessBuilder("node", "--test", "test/").directory(SDK_DIR.toFile())
        .redirectErrorStream(true).redirectOutput(LOG.toFile());
    run.environment().put("HERALD_URL", "http://127.0.0.1:" + node.port);
    run.environment().put("HERALD_API_KEY", TestNode.API_KEY);
    run.environment().put("HERALD_TOKEN", Tokens.user("sdk-tester"));
    run.environment().put("HERALD_JWT_SECRET", TestNode.JWT_SECRET); // the tests sign short-lived tokens of their own
    Process tests = run.start();
    if (!tests.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      tests.descendants().forEach(ProcessHandle::destroyForcibly);
      tests.destroyForcibly();
      fail("the SDK's tests did not finish within %s:%n%s", TIMEOUT, Files.readString(LOG));
    }
    String output = Files.readString(LOG);
    assertThat(tests.exitValue()).as(output).isZero();
    assertThat(output).contains("# fail 0").doesNotContain("# pass 0");
  }

  @Test
  void theNodeServesTheSdkAsAModule() throws IOException {
    Http.Response module = node.http.get("/sdk/herald.js");
    assertThat(module.status()).isEqualTo(200);
    assertThat(module.body()).isEqualTo(Files.readString(SDK_DIR.resolve("herald.js")));
    assertThat(node.http.get("/sdk/polling.js").body()).isEqualTo(Files.readString(SDK_DIR.resolve("polling.js")));
    assertThat(node.http.get("/sdk/herald.d.ts").status()).isEqualTo(200);
    Http.Response sockJs = node.http.get("/sdk/sockjs.min.js"); // what pages falling back to SockJS load
    assertThat(sockJs.status()).isEqualTo(200);
    assertThat(sockJs.body()).startsWith("/* sockjs-client v1.6.1").contains("SockJS");
  }
}
