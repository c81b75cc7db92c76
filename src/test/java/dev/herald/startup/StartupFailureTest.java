package dev.herald.startup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.HeraldProcess.Exit;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that cannot start says why and what to do in one line on stderr, prints no stack trace,
 * leaves the cluster and exits with status 1, instead of lingering half-started.
 */
class StartupFailureTest {

  /**
   * A failing start ends by itself within this, JVM start and cluster join and leave included: it
   * bounds how slow a loaded machine may be (such a node used to linger for minutes).
   */
  static final Duration GIVES_UP_WITHIN = Duration.ofSeconds(60);
  static final Pattern STACK_TRACE = Pattern.compile("(?m)^\\s+at [\\w$.]+\\(|^Caused by: |Exception in thread");

  @TempDir
  Path temp;

  @Test
  void aTakenHttpPortIsNamedWithTheSettingThatChangesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Exit exit = HeraldProcess.run(external(taken.getLocalPort()), GIVES_UP_WITHIN);
      assertOneLine(exit, "port " + taken.getLocalPort() + " is in use", "HERALD_PORT");
    }
  }

  @Test
  void aClusterNodeWhoseHttpPortIsTakenLeavesTheClusterAndExits() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Exit exit = HeraldProcess.run(external(taken.getLocalPort()), GIVES_UP_WITHIN, "--cluster");
      assertOneLine(exit, "port " + taken.getLocalPort() + " is in use", "HERALD_PORT");
    }
  }

  @Test
  void anUnwritableDataDirIsNamed() throws Exception {
    Path file = Files.createFile(temp.resolve("a-file"));
    Path dataDir = file.resolve("data"); // not creatable, whoever runs the test (root included)
    Exit exit = HeraldProcess.run(Map.of("HERALD_DATA_DIR", dataDir.toString(), "HERALD_DB_URL", ""), GIVES_UP_WITHIN);
    assertOneLine(exit, dataDir.toString(), "HERALD_DATA_DIR");
  }

  @Test
  void anUnreachableExternalDatabaseIsNamedWithoutItsPassword() {
    int closed = TestNode.freePort();
    String url = "postgresql://herald:s3cret-pw@127.0.0.1:" + closed + "/events";
    Exit exit = HeraldProcess.run(Map.of("HERALD_DB_URL", url), GIVES_UP_WITHIN);
    assertOneLine(exit, "127.0.0.1:" + closed, "HERALD_DB_URL");
    assertThat(exit.stdout() + exit.stderr()).doesNotContain("s3cret-pw");
  }

  @Test
  void aMalformedDatabaseUrlIsNamedWithoutItsPassword() {
    Exit exit = HeraldProcess.run(Map.of("HERALD_DB_URL", "postgresql://herald:s3cret-pw@db.example:no-port/events"),
        GIVES_UP_WITHIN);
    assertOneLine(exit, "HERALD_DB_URL");
    assertThat(exit.stdout() + exit.stderr()).doesNotContain("s3cret-pw");
  }

  @Test
  void aDataDirInUseByARunningNodeIsNamedAndThatNodeKeepsServing() {
    Path dataDir = temp.resolve("data");
    try (TestNode running = TestNode.start(new JsonObject().put("dataDir", dataDir.toString()).put("dbUrl", ""))) {
      Exit exit = HeraldProcess.run(Map.of("HERALD_DATA_DIR", dataDir.toString(), "HERALD_DB_URL", ""), GIVES_UP_WITHIN);
      assertOneLine(exit, dataDir.toString(), "in use");
      assertThat(running.http.publish("market:still", "n", 1).status()).isEqualTo(201);
    }
  }

  static Map<String, String> external(int port) {
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_PORT", String.valueOf(port));
    env.put("HERALD_DB_URL", TestDatabase.create());
    env.put("HERALD_GATEWAY_INSTANCES", "1");
    return env;
  }

  static void assertOneLine(Exit exit, String... mentions) {
    String output = "stdout:\n" + exit.stdout() + "\nstderr:\n" + exit.stderr();
    assertThat(exit.exited()).as("the node gave up within %s; %s", GIVES_UP_WITHIN, output).isTrue();
    assertThat(exit.code()).as(output).isEqualTo(1);
    assertThat(exit.stderr().strip().lines()).as(output).hasSize(1);
    assertThat(exit.stderr()).as(output).startsWith("herald: cannot start: ").contains(mentions);
    assertThat(exit.stdout() + exit.stderr()).as("no stack trace").doesNotContainPattern(STACK_TRACE);
  }
}
