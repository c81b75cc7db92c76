import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away servers the generator starts itself, for the scenarios that need a fresh process per
 * measurement (memory) or have to stop and restart one (reconnect storm): a Herald node with its
 * embedded PostgreSQL in a data dir under the work dir, the Socket.IO peer, the raw peer. All on
 * 127.0.0.1. Every pid goes to work/generator-pids, so that the run script can stop them even if
 * the generator itself is killed; a shutdown hook stops them too.
 */
final class Servers {

  enum Kind { HERALD, SOCKETIO, RAW }

  /** Where to find what the servers run: Herald's jar, the compiled raw peer, the work dir, credentials. */
  record Setup(Path jar, Path classes, Path work, String apiKey, String jwtSecret) {
  }

  private final Setup setup;
  private final List<Server> running = new ArrayList<>();
  // HTTP/1.1: an h2c upgrade request is taken for a WebSocket upgrade by the Socket.IO server and dropped
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private int serial;

  Servers(Setup setup) {
    this.setup = setup;
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "stop-servers"));
  }

  /** A fresh server of this kind on a free port (and, for Herald, a fresh data dir); ready when it returns. */
  Server start(Kind kind) throws Exception {
    Path dir = setup.work().resolve("gen-" + kind.name().toLowerCase() + "-" + (++serial));
    Files.createDirectories(dir);
    Server s = new Server(kind, freePort(), dir);
    launch(s);
    return s;
  }

  /** Starts the server again, on the same port and (Herald) the same data dir; ready when it returns. */
  void restart(Server s) throws Exception {
    launch(s);
  }

  private void launch(Server s) throws Exception {
    ProcessBuilder pb = switch (s.kind) {
      case HERALD -> new ProcessBuilder("java", "-jar", setup.jar().toString());
      case SOCKETIO -> new ProcessBuilder("node", "--expose-gc", "bench/peers/socketio/server.js");
      case RAW -> new ProcessBuilder("java", "-cp", setup.classes() + ":" + setup.jar(), "RawBroadcaster");
    };
    Map<String, String> env = pb.environment();
    env.put("PORT", Integer.toString(s.port));
    env.put("HERALD_PORT", Integer.toString(s.port));
    env.put("HERALD_DATA_DIR", s.dir.toString());
    env.put("HERALD_API_KEYS", setup.apiKey());
    env.put("HERALD_JWT_SECRET", setup.jwtSecret());
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(s.dir.resolve("server.log").toFile()));
    s.process = pb.start();
    synchronized (running) {
      running.add(s);
    }
    Files.writeString(setup.work().resolve("generator-pids"), s.process.pid() + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    awaitReady(s);
  }

  private void awaitReady(Server s) throws Exception {
    URI health = URI.create("http://127.0.0.1:" + s.port + (s.kind == Kind.HERALD ? "/health/ready" : "/health"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!s.process.isAlive()) {
        throw new IllegalStateException(s + " exited during start-up; see " + s.dir.resolve("server.log"));
      }
      try {
        if (http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(s + " not ready after 90 s");
  }

  /** Stops the server: SIGTERM (or SIGKILL when crash, PostgreSQL included), and waits for it to be gone. */
  void stop(Server s, boolean crash) throws InterruptedException {
    Process p = s.process;
    if (p == null) {
      return;
    }
    long pg = s.postgresPid();
    if (crash) {
      p.destroyForcibly();
      ProcessHandle.of(pg).ifPresent(ProcessHandle::destroyForcibly);
    } else {
      p.destroy();
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    // the embedded PostgreSQL stops with Herald; if it did not, it must not outlive the run
    ProcessHandle.of(pg).ifPresent(h -> {
      h.destroy();
      h.onExit().completeOnTimeout(h, 20, TimeUnit.SECONDS).join();
      h.destroyForcibly();
    });
    synchronized (running) {
      running.remove(s);
    }
  }

  private void stopAll() {
    List<Server> all;
    synchronized (running) {
      all = List.copyOf(running);
    }
    for (Server s : all) {
      try {
        stop(s, false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** One server process (its current incarnation after a restart). */
  static final class Server {
    final Kind kind;
    final int port;
    final Path dir;
    volatile Process process;

    Server(Kind kind, int port, Path dir) {
      this.kind = kind;
      this.port = port;
      this.dir = dir;
    }

    long pid() {
      return process.pid();
    }

    /** Herald's embedded PostgreSQL postmaster (first line of pg/postmaster.pid), or -1. */
    long postgresPid() {
      try {
        return Long.parseLong(Files.readAllLines(dir.resolve("pg/postmaster.pid")).get(0).trim());
      } catch (IOException | RuntimeException none) {
        return -1;
      }
    }

    @Override
    public String toString() {
      return kind.name().toLowerCase() + " on 127.0.0.1:" + port;
    }
  }
}
