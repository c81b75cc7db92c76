package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A cluster run by deploy/cluster.sh for a test: PostgreSQL, Herald nodes and nginx on free ports
 * of 127.0.0.1, in a state dir of its own, with the test API key and JWT secret.
 */
final class DeployedCluster {

  static final Path SCRIPT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("deploy/cluster.sh");

  final Path state;
  final int http;
  final int https;
  final int firstNode;
  private final Map<String, String> env;

  private DeployedCluster(Path state, int http, int https, int firstNode, Map<String, String> env) {
    this.state = state;
    this.http = http;
    this.https = https;
    this.firstNode = firstNode;
    this.env = env;
  }

  /** `start nodes`, with room for `ports` node ports (nodes added later take the next ones). */
  static DeployedCluster start(int nodes, int ports) throws Exception {
    // PostgreSQL runs as the postgres user, who must reach its data dir: not under a 0700 temp dir
    Path dir = Files.createTempDirectory("herald-deploy");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int http = TestNode.freePort();
    int https = TestNode.freePort();
    int firstNode = freeRun(ports);
    Map<String, String> env = new HashMap<>(Map.of("HERALD_DEPLOY_DIR", dir.resolve("state").toString(),
        "HERALD_DEPLOY_HTTP_PORT", String.valueOf(http), "HERALD_DEPLOY_HTTPS_PORT", String.valueOf(https),
        "HERALD_DEPLOY_NODE_PORT", String.valueOf(firstNode), "HERALD_DEPLOY_PG_PORT", String.valueOf(TestNode.freePort()),
        "HERALD_CLUSTER_NAME", "deploy-test-" + ProcessHandle.current().pid() + "-" + firstNode,
        "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_JWT_SECRET", TestNode.JWT_SECRET));
    DeployedCluster cluster = new DeployedCluster(dir.resolve("state"), http, https, firstNode, env);
    cluster.run("start", String.valueOf(nodes));
    return cluster;
  }

  /** Node i's own port (1-based), beside nginx. */
  int node(int i) {
    return firstNode + i - 1;
  }

  /**
   * `stop` (the nodes' logs stay in target/cluster-logs/{first node's port}), then checks that none of the processes it had started is alive; answers how many
   * there were (PostgreSQL, the nodes, nginx).
   */
  int stop() throws Exception {
    List<Long> pids = new ArrayList<>();
    Path logs = Files.createDirectories(Path.of(System.getProperty("basedir", ".")).resolve("target/cluster-logs/" + firstNode));
    try (var files = Files.list(state)) {
      for (Path f : files.toList()) {
        if (f.toString().endsWith(".pid")) {
          pids.add(Long.parseLong(Files.readString(f).trim()));
        } else if (f.toString().endsWith(".log")) {
          Files.copy(f, logs.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    run("stop");
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %s after stop", pid).isFalse();
    }
    return pids.size();
  }

  void run(String... args) throws Exception {
    run(Map.of(), args);
  }

  /** deploy/cluster.sh with these arguments, and these variables beside the cluster's own. */
  void run(Map<String, String> extra, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().putAll(extra);
    Path log = Files.createTempFile("deploy-", ".log");
    Process p = pb.redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("deploy/cluster.sh %s finished", String.join(" ", args)).isTrue();
    assertThat(p.exitValue()).as("deploy/cluster.sh %s: %s", String.join(" ", args), Files.readString(log)).isZero();
  }

  /** Waits until the node lists exactly these users (sorted) in the room's presence. */
  static void awaitMembers(Http node, String room, List<String> expected, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    List<String> members = members(node, room);
    while (!members.equals(expected) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      members = members(node, room);
    }
    assertThat(members).as("presence of %s on node :%s within %s ms", room, node.port(), millis).isEqualTo(expected);
  }

  static List<String> members(Http node, String room) {
    return node.get("/api/v1/channels/" + room + "/presence", "X-Api-Key", TestNode.API_KEY).json().getJsonArray("members")
        .stream().map(m -> ((JsonObject) m).getString("userId")).sorted().toList();
  }

  /** The first of n consecutive ports free on 127.0.0.1 now. */
  private static int freeRun(int n) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + (int) (Math.random() * 30_000);
      boolean free = true;
      for (int p = base; p < base + n && free; p++) {
        try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + n + " free ports");
  }
}
