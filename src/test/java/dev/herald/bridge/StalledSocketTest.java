package dev.herald.bridge;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A socket that never reads cannot take the node down: requests in flight per socket are capped
 * (429 beyond), a socket whose outbound backlog is over its bound is not read until it drains and
 * is closed with 1013 when it has not drained within the grace period, and one that keeps breaking
 * the limits is closed as abusive (1008). Meanwhile the node's memory stays bounded and other
 * clients are served.
 */
class StalledSocketTest {

  static final int IN_FLIGHT = 8;
  static final String FLOOD = "market:flood";
  /** Events of about 1 KB: a history page of all of them is about 330 KB. */
  static final int FLOOD_EVENTS = 300;
  /** How much the node's heap, and netty's direct memory, may grow while one socket misbehaves. */
  static final long MEMORY_BOUND = 96L << 20;

  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create())
        .put("limits", new JsonObject().put("slowSocketGrace", "2s").put("requestsInFlight", IN_FLIGHT)));
    String pad = "x".repeat(1000);
    for (int from = 0; from < FLOOD_EVENTS; from += 50) {
      JsonArray batch = new JsonArray();
      for (int i = from; i < from + 50; i++) {
        JsonObject data = new JsonObject().put("n", i).put("pad", pad);
        batch.add(new JsonObject().put("channel", FLOOD).put("type", "blob").put("data", data));
      }
      assertThat(node.http.post("/api/v1/events", batch, "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aSocketFloodingHistoryWithoutReadingIsCutOffWhileTheNodeStaysBoundedAndServesOthers() throws Exception {
    for (int i = 1; i <= 5; i++) {
      node.http.publish("market:stored", "note", new JsonObject().put("n", i));
    }
    long heapBefore = usedHeap();
    long directBefore = PlatformDependent.usedDirectMemory();
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicLong sent = new AtomicLong();
    try (HandWrittenSocket flooder = HandWrittenSocket.open(node.port, "/eventbus/websocket", 4096)) {
      assertThat(flooder.status()).isEqualTo(101);
      Thread writer = new Thread(() -> {
        String request = history(FLOOD, "r");
        try {
          while (flooding.get()) {
            flooder.sendText(request);
            sent.incrementAndGet();
          }
        } catch (IOException cutOff) {
          // the node closed the connection: what this test expects
        }
      });
      writer.setDaemon(true);
      writer.start();

      Eventually.equal(() -> sent.get() >= 100, true); // the flood is under way
      try (BridgeClient other = node.bridge()) {
        other.subscribe("market:stored", new JsonObject().put("since", 0));
        assertThat(seqs(other.deliveries("market:stored", 5))).containsExactly(1L, 2L, 3L, 4L, 5L);
      }
      Thread.sleep(6_000); // the flood goes on (the repro flooded for 8 s): a duration, not a wait for a state
      long heapGrowth = usedHeap() - heapBefore;
      long directGrowth = PlatformDependent.usedDirectMemory() - directBefore;
      flooding.set(false);

      assertThat(heapGrowth).as("heap growth while flooded (%d requests sent)", sent.get()).isLessThan(MEMORY_BOUND);
      assertThat(directGrowth).as("direct memory growth while flooded").isLessThan(MEMORY_BOUND);
      HandWrittenSocket.Ending ending = flooder.readToEnd(Duration.ofSeconds(20));
      assertThat(ending.ended()).as("the flooding socket was closed").isTrue();
      if (ending.closeStatus() != 0) {
        assertThat(ending.closeStatus()).isIn(1008, 1013);
      }
      writer.join(10_000);
    }
  }

  @Test
  void aSocketThatStopsReadingIsNoLongerReadAndIsClosedWith1013AfterTheGrace() throws Exception {
    int requests = 20;
    try (HandWrittenSocket stalled = HandWrittenSocket.open(node.port, "/eventbus/websocket", 4096)) {
      assertThat(stalled.status()).isEqualTo(101);
      for (int i = 0; i < requests; i++) {
        stalled.sendText(history(FLOOD, "page-" + i));
        Thread.sleep(100);
      }
      Thread.sleep(4_000); // a client that does not read past the 2 s grace: reading sooner would end its stall

      HandWrittenSocket.Ending ending = stalled.readToEnd(Duration.ofSeconds(30));
      assertThat(ending.closeStatus()).isEqualTo(1013);
      // once over its bound the socket was not read: the requests after that were never answered
      assertThat(ending.texts()).isBetween(1L, requests - 1L);
      assertThat(ending.frames()).noneMatch(f -> f.text().contains("\"err\""));
    }
  }

  @Test
  void requestsOverTheInFlightCapAreAnsweredWith429() {
    int requests = IN_FLIGHT + 30; // fewer 429s than make a socket abusive (50 per 10 s)
    try (BridgeClient client = BridgeClient.connectSockJs(node.port)) {
      // one SockJS message carrying all the frames: taken in one go, faster than the database answers
      JsonArray frames = new JsonArray();
      for (int i = 0; i < requests; i++) {
        frames.add(history(FLOOD, "capped-" + i, 10));
      }
      client.sendUnframed(frames.encode());

      List<JsonObject> answers = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        String address = "capped-" + i;
        answers.add(client.next(f -> address.equals(f.getString("address"))));
      }
      // the first IN_FLIGHT always go through; of the others, those that came while IN_FLIGHT were unanswered got 429
      assertThat(answers.subList(0, IN_FLIGHT)).allMatch(f -> "rec".equals(f.getString("type")));
      List<JsonObject> refused = answers.stream().filter(f -> "err".equals(f.getString("type"))).toList();
      assertThat(refused).isNotEmpty().allSatisfy(f -> {
        assertThat(f.getInteger("failureCode")).isEqualTo(429);
        assertThat(f.getString("message")).startsWith("too_many_requests: ");
      });
      // answered, the socket takes requests again
      assertThat(client.request("herald.history", new JsonObject().put("channel", FLOOD).put("limit", 1)).getString("type"))
          .isEqualTo("rec");
    }
  }

  static String history(String channel, String replyAddress) {
    return history(channel, replyAddress, 1000);
  }

  static String history(String channel, String replyAddress, int limit) {
    return new JsonObject().put("type", "send").put("address", "herald.history").put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("channel", channel).put("limit", limit)).encode();
  }

  static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
