package dev.herald.bridge;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A thousand sockets that subscribe and then never read, while their channel publishes megabytes
 * and one of them floods requests: the node's heap stays bounded (slow sockets stop being written
 * to at their backlog bound, and share every delivery's bytes), and a normal client on the same
 * channel gets every event.
 */
class MemoryUnderAbuseTest {

  static final int SILENT_SOCKETS = 1_000;
  /** 200 events of 8 KB: 1.6 MB per subscriber, past the 1 MiB backlog bound of every silent socket. */
  static final int EVENTS = 200;
  static final long HEAP_BOUND = 256L << 20;

  @Test
  void silentSocketsAndAFlooderCostBoundedHeapAndNothingToANormalClient() throws Exception {
    String channel = "market:abuse";
    try (TestNode node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create())
        .put("limits", new JsonObject().put("requestsInFlight", 8)));
        BridgeClient normal = node.bridge()) {
      normal.subscribe(channel);
      long heapBefore = StalledSocketTest.usedHeap();
      List<HandWrittenSocket> silent = new ArrayList<>();
      AtomicBoolean flooding = new AtomicBoolean(true);
      try {
        String register = new JsonObject().put("type", "register").put("address", channel).encode();
        for (int i = 0; i < SILENT_SOCKETS; i++) {
          HandWrittenSocket s = HandWrittenSocket.open(node.port, "/eventbus/websocket", 4096);
          silent.add(s);
          assertThat(s.status()).isEqualTo(101);
          s.sendText(register);
        }
        HandWrittenSocket flooder = silent.get(0);
        Thread writer = new Thread(() -> {
          String request = new JsonObject().put("type", "send").put("address", "herald.history").put("replyAddress", "r")
              .put("body", new JsonObject().put("channel", channel).put("limit", 1000)).encode();
          try {
            while (flooding.get()) {
              flooder.sendText(request);
            }
          } catch (IOException cutOff) {
            // the node closed the flooder: expected
          }
        });
        writer.setDaemon(true);
        writer.start();

        String pad = "y".repeat(8_000);
        for (int from = 0; from < EVENTS; from += 5) { // 40 KB a request, under the body limit
          JsonArray batch = new JsonArray();
          for (int n = from; n < from + 5; n++) {
            batch.add(new JsonObject().put("channel", channel).put("type", "blob")
                .put("data", new JsonObject().put("n", n).put("pad", pad)));
          }
          assertThat(node.http.post("/api/v1/events", batch, "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(201);
        }

        assertThat(seqs(normal.deliveries(channel, EVENTS)))
            .containsExactlyElementsOf(LongStream.rangeClosed(1, EVENTS).boxed().toList());
        long heapGrowth = StalledSocketTest.usedHeap() - heapBefore;
        assertThat(heapGrowth).as("heap growth with %d silent sockets and a flooder", SILENT_SOCKETS).isLessThan(HEAP_BOUND);
        assertThat(node.http.get("/health/ready").status()).isEqualTo(200);
      } finally {
        flooding.set(false);
        for (HandWrittenSocket s : silent) {
          s.close();
        }
      }
    }
  }
}
