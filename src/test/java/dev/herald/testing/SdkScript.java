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
 * A node script of the JS SDK's test support (clients/js/test-support) in its own process, run with
 * the SDK as users get it: what it prints is kept line by line, its first JSON line is its result.
 */
public final class SdkScript implements AutoCloseable {

  static final Path BASE_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  public static final Path SDK_DIR = BASE_DIR.resolve("clients/js");
  static final Path LOG = BASE_DIR.resolve("target/sdk-install.log");

  public final List<String> lines = new CopyOnWriteArrayList<>();
  private final Process process;
  private final Thread reader;

  private SdkScript(Process process) {
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

  /** Runs test-support/{script} with these variables. */
  public static SdkScript start(String script, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("node", "test-support/" + script).directory(SDK_DIR.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new SdkScript(pb.start());
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
