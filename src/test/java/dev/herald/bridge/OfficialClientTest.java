package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official JS client ({@code @vertx/eventbus-bridge-client.js} 1.0.0 from npm, unmodified, run
 * by node) subscribes with {@code since} while another node process publishes over REST, and gets
 * the full gap-free sequence: every stored event after {@code since}, then the live ones, with no
 * gap and no duplicate at the seam.
 *
 * <p>The client always speaks SockJS; sockjs-client picks its {@code websocket} transport by
 * default (SockJS framing over /eventbus/{server}/{session}/websocket). One case checks that
 * default, the other forces the {@code xhr-streaming} transport (plain HTTP streaming, the browser
 * fallback) and passes {@code since} as a string, as Vert.x headers are.
 */
class OfficialClientTest {

  static final Path BASE_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  static final Path JS_DIR = BASE_DIR.resolve("src/test/js");
  static final Path NPM_LOG = BASE_DIR.resolve("target/npm-install.log");
  static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);
  static final int PRE_PUBLISHED = 50;
  /** Enough that publishing is still going on when the subscriber (a fresh node process) registers. */
  static final int CONCURRENT = 400;
  static final long SINCE = 20;
  static final long LAST = PRE_PUBLISHED + CONCURRENT;

  static TestNode node;

  @BeforeAll
  static void start() {
    installClient();
    node = TestNode.start(TestDatabase.create(), false);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void defaultTransportIsWebSocketAndGetsEveryEventAfterNumericSince() throws IOException {
    Run run = subscribeWhilePublishing("sales:js-default", null, false);
    assertGapFree("sales:js-default", run);
  }

  @Test
  void xhrStreamingTransportGetsEveryEventAfterStringSince() throws IOException {
    Run run = subscribeWhilePublishing("sales:js-xhr", "xhr-streaming", true);
    assertGapFree("sales:js-xhr", run);
  }

  /**
   * A live query through the official client over SockJS's xhr-streaming fallback (plain HTTP, what
   * a browser falls back to behind a proxy that breaks WebSockets): its snapshot, then each new
   * document as an appear, in change seq order.
   */
  @Test
  void aLiveQueryWorksThroughTheOfficialClientOnAnHttpFallback() throws IOException {
    for (int n = 1; n <= 3; n++) {
      putProduct("js-before-" + n, n);
    }
    NodeProcess subscriber = NodeProcess.start("subscribe.js",
        "--url", "http://127.0.0.1:" + node.port + "/eventbus", "--channel", "live:products:js",
        "--filter", "doc.js == true", "--token", dev.herald.testing.Tokens.user("js-reader"),
        "--transport", "xhr-streaming", "--count", "6", "--linger-ms", "300", "--timeout-ms", "45000");
    try {
      subscriber.awaitStderr(line -> line.contains("\"registered\""), Duration.ofSeconds(30), "subscribe.js registering");
      subscriber.awaitStdout(line -> line.contains("query.snapshot"), Duration.ofSeconds(30), "the snapshot");
      for (int n = 1; n <= 5; n++) {
        putProduct("js-after-" + n, n);
      }
      assertThat(subscriber.awaitExit(Duration.ofSeconds(60))).as("subscribe.js exit code; %s", subscriber).isZero();
      List<JsonObject> got = subscriber.stdout.stream().map(JsonObject::new).toList();
      assertThat(got.get(0).getString("type")).isEqualTo("query.snapshot");
      assertThat(got.get(0).getJsonObject("data").getJsonArray("docs")).hasSize(3);
      assertThat(got.subList(1, 6)).extracting(e -> e.getString("type") + " " + e.getString("id"))
          .containsExactly("appear js-after-1", "appear js-after-2", "appear js-after-3", "appear js-after-4",
              "appear js-after-5");
      List<Long> seqs = got.stream().map(e -> e.getLong("seq")).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
    } finally {
      subscriber.kill();
    }
  }

  private static void putProduct(String id, int n) {
    Response r = node.http.put("/api/v1/collections/products/docs/" + id, new JsonObject().put("js", true).put("n", n),
        "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  /** What the subscriber printed, and the publisher's receipts (seq → id) of the concurrent events. */
  record Run(List<JsonObject> received, Map<Long, String> publishedIds) {
  }

  /**
   * Pre-publishes events 1..50, starts publish.js for 51..450 and, once it has published its first
   * event, subscribe.js with since=20.
   */
  private Run subscribeWhilePublishing(String channel, String transport, boolean sinceAsString) throws IOException {
    for (int n = 1; n <= PRE_PUBLISHED; n++) {
      Response r = node.http.post("/api/v1/channels/" + channel + "/events",
          new JsonObject().put("type", "pre").put("data", new JsonObject().put("n", n)).put("id", channel + "-" + n),
          "X-Api-Key", TestNode.API_KEY);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      assertThat(r.json().getLong("seq")).isEqualTo(n);
    }

    NodeProcess publisher = null;
    NodeProcess subscriber = null;
    Path holdFile = Files.createTempFile(BASE_DIR.resolve("target"), "publish-hold-", ".flag");
    Files.delete(holdFile);
    try {
      // publish.js stops halfway until the subscriber has registered: the seam is always mid-stream
      publisher = NodeProcess.start("publish.js",
          "--base", "http://127.0.0.1:" + node.port, "--channel", channel,
          "--first", String.valueOf(PRE_PUBLISHED + 1), "--count", String.valueOf(CONCURRENT),
          "--type", "tick", "--concurrency", "4", "--timeout-ms", "60000",
          "--hold-at", String.valueOf(PRE_PUBLISHED + CONCURRENT / 2), "--hold-file", holdFile.toString());
      // Subscribe only once live publishing is under way, so the replay/live seam falls mid-stream.
      publisher.awaitStdout(line -> true, Duration.ofSeconds(30), "publish.js's first receipt");

      List<String> args = new ArrayList<>(List.of(
          "--url", "http://127.0.0.1:" + node.port + "/eventbus", "--channel", channel,
          "--since", String.valueOf(SINCE), "--count", String.valueOf(LAST - SINCE),
          "--linger-ms", "300", "--timeout-ms", "45000"));
      if (sinceAsString) {
        args.add("--since-as-string");
      }
      if (transport != null) {
        args.addAll(List.of("--transport", transport));
      }
      subscriber = NodeProcess.start("subscribe.js", args.toArray(String[]::new));

      JsonObject registered = new JsonObject(subscriber.awaitStderr(
          line -> line.contains("\"registered\""), Duration.ofSeconds(30), "subscribe.js registering"));
      long headAtRegister = head(channel);
      Files.createFile(holdFile);
      Object sentSince = registered.getJsonObject("headers").getValue("since");
      assertThat(sentSince).isInstanceOf(sinceAsString ? String.class : Number.class);
      assertThat(sentSince.toString()).isEqualTo(String.valueOf(SINCE));
      JsonObject open = new JsonObject(subscriber.awaitStderr(
          line -> line.contains("\"open\""), Duration.ZERO, "subscribe.js open"));
      assertThat(open.getString("transport")).isEqualTo(transport == null ? "websocket" : transport);
      // The subscription overlapped live publishing: not everything was stored when it registered.
      assertThat(headAtRegister).as("head when the subscriber registered (publishing should still be going on)")
          .isLessThan(LAST);

      int publisherExit = publisher.awaitExit(Duration.ofSeconds(60));
      assertThat(publisherExit).as("publish.js exit code; %s", publisher).isZero();
      assertThat(publisher.stdout).hasSize(CONCURRENT);

      int subscriberExit = subscriber.awaitExit(Duration.ofSeconds(60));
      assertThat(subscriberExit).as("subscribe.js exit code; %s", subscriber).isZero();
      // Nothing but subscribe.js's own status lines: the client never warned of an unhandled frame
      // (Herald ignores the client's pings and sends no pong or err back for them).
      assertThat(subscriber.stderr).as("subscribe.js stderr").allMatch(line -> line.startsWith("{\"event\":")
          || line.startsWith("{\"received\":"));
      System.out.printf("%s via %s: head %d when the subscriber registered%n", channel, open.getString("transport"),
          headAtRegister);
      Map<Long, String> ids = new HashMap<>();
      for (int n = 1; n <= PRE_PUBLISHED; n++) {
        ids.put((long) n, channel + "-" + n);
      }
      for (String line : publisher.stdout) {
        JsonObject receipt = new JsonObject(line);
        assertThat(receipt.getString("channel")).isEqualTo(channel);
        assertThat(ids.put(receipt.getLong("seq"), receipt.getString("id"))).as("seq %s given twice", receipt).isNull();
      }
      return new Run(subscriber.stdout.stream().map(JsonObject::new).toList(), ids);
    } finally {
      if (subscriber != null) {
        subscriber.kill();
      }
      if (publisher != null) {
        publisher.kill();
      }
    }
  }

  /**
   * Exactly seq 21..450 in order, each envelope the one stored under that seq: concurrent requests
   * commit in any order, so the publisher's receipts say which event got which seq.
   */
  private static void assertGapFree(String channel, Run run) {
    assertThat(run.publishedIds().keySet()).as("seqs assigned")
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, LAST).boxed().toList());
    List<Long> seqs = run.received().stream().map(e -> e.getLong("seq")).toList();
    assertThat(seqs).as("seqs received").containsExactlyElementsOf(LongStream.rangeClosed(SINCE + 1, LAST).boxed().toList());
    for (JsonObject e : run.received()) {
      long seq = e.getLong("seq");
      String id = run.publishedIds().get(seq);
      long n = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
      assertThat(e.fieldNames()).as("%s", e).containsExactlyInAnyOrder("channel", "seq", "id", "type", "data", "ts");
      assertThat(e.getString("channel")).as("%s", e).isEqualTo(channel);
      assertThat(e.getString("id")).as("%s", e).isEqualTo(id);
      assertThat(e.getString("type")).as("%s", e).isEqualTo(n <= PRE_PUBLISHED ? "pre" : "tick");
      assertThat(e.getJsonObject("data").fieldNames()).as("%s", e).containsExactly("n");
      assertThat(e.getJsonObject("data").getLong("n")).as("%s", e).isEqualTo(n);
      assertThat(e.getString("ts")).as("%s", e).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    }
  }

  private static long head(String channel) {
    Response r = node.http.get("/api/v1/channels/" + channel + "/events?limit=1", "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getLong("lastSeq");
  }

  /** Installs the npm packages (the official client) unless node_modules is already there. */
  static void installClient() {
    if (Files.isRegularFile(JS_DIR.resolve("node_modules/@vertx/eventbus-bridge-client.js/vertx-eventbus.js"))
        && Files.isDirectory(JS_DIR.resolve("node_modules/sockjs-client"))) {
      return;
    }
    boolean ci = Files.isRegularFile(JS_DIR.resolve("package-lock.json"));
    List<String> command = List.of("npm", ci ? "ci" : "install", "--no-audit", "--no-fund");
    Process npm;
    try {
      Files.createDirectories(NPM_LOG.getParent());
      npm = new ProcessBuilder(command).directory(JS_DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(NPM_LOG.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError("this test needs node and npm on the PATH to install the official JS client in "
          + JS_DIR + ", but `npm` could not be started: " + e.getMessage(), e);
    }
    try {
      if (!npm.waitFor(NPM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        npm.descendants().forEach(ProcessHandle::destroyForcibly);
        npm.destroyForcibly();
        fail("`%s` in %s did not finish within %s; see %s", String.join(" ", command), JS_DIR, NPM_TIMEOUT,
            NPM_LOG);
      }
      if (npm.exitValue() != 0) {
        fail("`%s` in %s failed with exit code %d:%n%s", String.join(" ", command), JS_DIR, npm.exitValue(),
            Files.readString(NPM_LOG));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      npm.destroyForcibly();
      throw new AssertionError(e);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A node script in src/test/js whose stdout and stderr lines are collected as they come. */
  static final class NodeProcess {

    final String script;
    final Process process;
    final List<String> stdout = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private NodeProcess(String script, Process process) {
      this.script = script;
      this.process = process;
      this.outReader = reader(process.getInputStream(), stdout, script + "-stdout");
      this.errReader = reader(process.getErrorStream(), stderr, script + "-stderr");
    }

    static NodeProcess start(String script, String... args) {
      List<String> command = new ArrayList<>(List.of("node", script));
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command).directory(JS_DIR.toFile());
      pb.environment().put("HERALD_API_KEY", TestNode.API_KEY);
      pb.environment().put("NODE_ENV", "production"); // no debug module in sockjs-client
      try {
        return new NodeProcess(script, pb.start());
      } catch (IOException e) {
        throw new AssertionError("cannot start `node " + script + "`: is node on the PATH? " + e.getMessage(), e);
      }
    }

    private static Thread reader(InputStream in, List<String> lines, String name) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        } catch (IOException ignored) {
          // the process was killed
        }
      }, name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    String awaitStdout(Predicate<String> filter, Duration timeout, String what) {
      return await(stdout, filter, timeout, what);
    }

    String awaitStderr(Predicate<String> filter, Duration timeout, String what) {
      return await(stderr, filter, timeout, what);
    }

    private String await(List<String> lines, Predicate<String> filter, Duration timeout, String what) {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (lines) {
        while (true) {
          for (String line : lines) {
            if (filter.test(line)) {
              return line;
            }
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || (!process.isAlive() && !outReader.isAlive() && !errReader.isAlive())) {
            throw new AssertionError("no " + what + " within " + timeout + "; " + this);
          }
          try {
            lines.wait(Math.min(left, 100));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
          }
        }
      }
    }

    /** Waits for the exit and for all its output to be read; returns the exit code. */
    int awaitExit(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError(script + " still running after " + timeout + "; " + this);
        }
        outReader.join(5000);
        errReader.join(5000);
        return process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void kill() {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }

    @Override
    public String toString() {
      int n = stdout.size();
      List<String> tail = stdout.subList(Math.max(0, n - 5), n);
      return script + " (" + (process.isAlive() ? "running" : "exit " + process.exitValue()) + ") stderr=" + stderr
          + " stdout: " + n + " lines, last " + tail;
    }
  }
}
