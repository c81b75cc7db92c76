package dev.herald.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.NodeScript;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SDK's guarantee across a node restart: while 5,000 events are published to a channel, the
 * node under an SDK subscriber (a node process) is stopped (SIGTERM) or killed (SIGKILL) and started
 * again on the same address and database; the subscriber's handler sees seq 1..5,000 exactly once,
 * in order, on each transport (WebSocket, SockJS, polling the history). The publishers retry what
 * the restart cut off, with the same ids.
 */
class SdkRestartTest {

  static final int COUNT = 5000;
  @BeforeAll
  static void install() throws Exception {
    NodeScript.install();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({"websocket, kill", "websocket, term", "sockjs, kill", "sockjs, term", "polling, kill", "polling, term"})
  void theHandlerSeesEveryEventOnceInOrderAcrossARestart(String transport, String stop) throws Exception {
    boolean kill = stop.equals("kill");
    int port = TestNode.freePort();
    Map<String, String> env = Map.of("HERALD_PORT", String.valueOf(port), "HERALD_DB_URL", TestDatabase.create(),
        "HERALD_JWT_SECRET", TestNode.JWT_SECRET, "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_GATEWAY_INSTANCES", "1");
    String channel = "market:sdk-restart-" + transport + "-" + stop;
    HeraldProcess node = HeraldProcess.start(env);
    NodeScript subscriber = NodeScript.start("subscriber.mjs", Map.of("HERALD_URL", "http://127.0.0.1:" + port,
        "HERALD_TOKEN", Tokens.user("restart-watcher"), "CHANNEL", channel, "COUNT", String.valueOf(COUNT),
        "TIMEOUT_MS", "150000", "TRANSPORTS", transport));
    List<String> lines = subscriber.lines;
    ExecutorService publishers = Executors.newFixedThreadPool(4);
    AtomicInteger next = new AtomicInteger(1);
    List<Integer> unexpected = new CopyOnWriteArrayList<>();
    try {
      subscriber.awaitLine(l -> l.equals("state connected"), 30);
      for (int w = 0; w < 4; w++) {
        publishers.submit(() -> publish(port, channel, next, unexpected));
      }
      subscriber.awaitLine(l -> l.startsWith("progress ") && Integer.parseInt(l.substring(9)) >= 1500, 60);
      if (kill) {
        node.kill();
      } else {
        node.close(); // SIGTERM
      }
      node.awaitExit();
      node = HeraldProcess.start(env);
      JsonObject result = subscriber.result(150);
      assertThat(result.getInteger("distinct")).as("%s", result).isEqualTo(COUNT);
      assertThat(result.getInteger("received")).as("each once").isEqualTo(COUNT);
      assertThat(result.getInteger("duplicates")).isZero();
      assertThat(result.getInteger("outOfOrder")).isZero();
      assertThat(result.getInteger("first")).isEqualTo(1);
      assertThat(result.getInteger("last")).isEqualTo(COUNT);
      assertThat(lines).as("the restart was seen").contains("state reconnecting");
      assertThat(unexpected).as("a publish is stored (201, 200 for its id again) or refused with 503 while the node stops").isEmpty();
      assertThat(lines).as("on its transport throughout").containsOnlyOnce("transport " + transport);
    } finally {
      publishers.shutdownNow();
      subscriber.close();
      node.close();
    }
  }

  /**
   * Publishes events next.. until COUNT, each retried with its id until stored (the node may be
   * down); answers other than 201, 200 and 503 go to {@code unexpected}.
   */
  private static void publish(int port, String channel, AtomicInteger next, List<Integer> unexpected) {
    Http http = new Http(port);
    for (int n = next.getAndIncrement(); n <= COUNT; n = next.getAndIncrement()) {
      JsonObject event = new JsonObject().put("type", "n").put("data", n).put("id", channel + "-" + n);
      while (true) {
        try {
          int status = http.post("/api/v1/channels/" + channel + "/events", event, "X-Api-Key", TestNode.API_KEY).status();
          if (status == 201 || status == 200) {
            break;
          }
          if (status != 503) {
            unexpected.add(status);
          }
        } catch (UncheckedIOException down) {
          // the node is restarting
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
