package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Herald node in its own OS process, started the way operators do: {@code java dev.herald.Herald
 * [--cluster]} with HERALD_* environment variables. Output goes to a log file under target/.
 */
public final class HeraldProcess implements AutoCloseable {

  public final int port;
  public final Http http;
  public final Path log;
  private final Process process;

  private HeraldProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.http = new Http(port);
  }

  /** What a node process that was expected to give up printed, and how it ended. */
  public record Exit(boolean exited, int code, String stdout, String stderr) {
  }

  /** Starts a node on a free port, or on env's HERALD_PORT (a restart on the same address). */
  public static HeraldProcess start(Map<String, String> env, String... args) {
    int port = env.containsKey("HERALD_PORT") ? Integer.parseInt(env.get("HERALD_PORT")) : TestNode.freePort();
    try {
      Path log = logFile(port, ".log");
      ProcessBuilder builder = builder(port, env, args).redirectErrorStream(true).redirectOutput(log.toFile());
      HeraldProcess node = new HeraldProcess(builder.start(), port, log);
      try {
        node.awaitReady(Duration.ofSeconds(60));
      } catch (AssertionError notReady) {
        node.process.destroyForcibly();
        throw notReady;
      }
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs a node that is expected to exit by itself (a start-up failure), on a free port unless env
   * sets HERALD_PORT; after {@code timeout} it is killed and reported as not exited.
   */
  public static Exit run(Map<String, String> env, Duration timeout, String... args) {
    int port = TestNode.freePort();
    try {
      Path out = logFile(port, ".out");
      Path err = logFile(port, ".err");
      Process process = builder(port, env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      return new Exit(exited, exited ? process.exitValue() : -1, Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static ProcessBuilder builder(int port, Map<String, String> env, String... args) {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(
        javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.herald.Herald"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("HERALD_PORT", String.valueOf(port));
    builder.environment().put("HERALD_CLUSTER_NAME", TestNode.CLUSTER_NAME);
    builder.environment().putAll(env);
    return builder;
  }

  private static Path logFile(int port, String suffix) throws IOException {
    Files.createDirectories(Path.of("target"));
    return Files.createTempFile(Path.of("target"), "herald-" + port + "-", suffix);
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("Herald process exited with " + process.exitValue() + "; log: " + tail());
      }
      try {
        if (http.get("/health/ready").status() == 200) {
          return;
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      }
      sleep(100);
    }
    throw new AssertionError("Herald process not ready within " + timeout + "; log: " + tail());
  }

  /** SIGKILL: the node dies without any chance to clean up, as in a crash. */
  public void kill() {
    process.destroyForcibly();
  }

  /**
   * SIGKILL to the node and to every process it started (children first, so none of them sees the
   * node die), as a kill of its process group or cgroup would; returns once the node is gone.
   */
  public void killWithChildren() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    awaitExit();
  }

  /** Blocks (bounded) until the node's JVM has exited. */
  public void awaitExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError("Herald process still alive 10 s after it was killed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String tail() {
    try {
      String text = Files.readString(log);
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
