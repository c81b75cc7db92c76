package dev.herald.testing;

import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A node script in its own process (the SDK's test support in clients/js/test-support, the
 * console's browser tests in src/test/browser): what it prints is kept line by line, its first JSON
 * line is its result, and a line written to it arrives on its stdin.
 */
public final class NodeScript implements AutoCloseable {

  static final Path BASE_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  public static final Path SDK_DIR = BASE_DIR.resolve("clients/js");
  static final Path LOG = BASE_DIR.resolve("target/sdk-install.log");

  public final List<String> lines = new CopyOnWriteArrayList<>();
  private final Process process;
  private final Thread reader;

  private NodeScript(Process process) {
    this.process = process;
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
        }
      } catch (IOException ended) {
        // the process ended
      }
    });
    reader.start();
  }

  /** The SDK's dependencies (ws, sockjs-client), pinned by its package-lock.json, unless .ci/run installed them. */
  public static void install() throws Exception {
    if (SDK_DIR.resolve("node_modules/ws").toFile().isDirectory() && SDK_DIR.resolve("node_modules/sockjs-client").toFile().isDirectory()) {
      return;
    }
    Files.createDirectories(LOG.getParent());
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(SDK_DIR.toFile()).redirectErrorStream(true)
        .redirectOutput(LOG.toFile()).start();
    if (!npm.waitFor(3, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      fail("`npm ci` in %s failed:%n%s", SDK_DIR, Files.readString(LOG));
    }
  }

  /** Runs the SDK's test-support/{script} with these variables. */
  public static NodeScript start(String script, Map<String, String> env) throws IOException {
    return start(SDK_DIR, "test-support/" + script, env);
  }

  /** Runs {dir}/{script} with these variables (and the arguments after it). */
  public static NodeScript start(Path dir, String script, Map<String, String> env, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new NodeScript(pb.start());
  }

  /** Writes a line to the script's stdin. */
  public void tell(String line) throws IOException {
    process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** Waits for a line the script printed. */
  public void awaitLine(Predicate<String> wanted, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (lines.stream().noneMatch(wanted)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such line within " + seconds + " s: " + lines);
      }
      Thread.sleep(20);
    }
  }

  /** Waits for the script's result: the first line it prints that is a JSON object. */
  public JsonObject result(int seconds) throws InterruptedException {
    awaitLine(l -> l.startsWith("{"), seconds);
    return new JsonObject(lines.stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
