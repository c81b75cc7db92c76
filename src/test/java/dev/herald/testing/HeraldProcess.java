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

  public static HeraldProcess start(Map<String, String> env, String... args) {
    int port = TestNode.freePort();
    try {
      Files.createDirectories(Path.of("target"));
      Path log = Files.createTempFile(Path.of("target"), "herald-" + port + "-", ".log");
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(
          javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.herald.Herald"));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("HERALD_PORT", String.valueOf(port));
      builder.environment().put("HERALD_CLUSTER_NAME", TestNode.CLUSTER_NAME);
      builder.environment().putAll(env);
      HeraldProcess node = new HeraldProcess(builder.start(), port, log);
      node.awaitReady(Duration.ofSeconds(60));
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
