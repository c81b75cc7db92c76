package dev.herald.hub;

import static dev.herald.testing.Envelopes.data;
import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The slow-socket policy: a socket whose outbound buffer is full stops getting live frames (nothing
 * piles up for it in Herald's memory) while every other socket keeps flowing; once it drains, it
 * catches up from the journal and ends with the complete sequence, no gap, no duplicate. Both
 * transports: the raw WebSocket (netty counts what it has not flushed) and SockJS (which counts its
 * own writes).
 */
class SlowSubscriberTest {

  static final int EVENTS = 600;
  static final int BATCH = 50;
  /** Long enough for all EVENTS (20 KB each) to reach a socket, the slow one through its small receive window. */
  static final Duration CATCH_UP = Duration.ofSeconds(60);

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aStalledSocketLagsAndCatchesUpWithoutHoldingBackOthers(boolean sockJs) {
    String channel = "market:firehose";
    String payload = "x".repeat(20_000);
    try (TestNode node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("maxBodyBytes", 4_000_000));
        BridgeClient slow = sockJs ? BridgeClient.connectSockJsWithSmallWindow(node.port) : BridgeClient.connectWithSmallWindow(node.port);
        BridgeClient fast = node.bridge()) {
      slow.subscribe(channel);
      fast.subscribe(channel);
      slow.pause();

      for (int from = 1; from <= EVENTS; from += BATCH) {
        JsonArray batch = new JsonArray();
        for (int i = from; i < from + BATCH; i++) {
          batch.add(new JsonObject().put("channel", channel).put("type", "blob").put("data", new JsonObject().put("n", i).put("pad", payload)));
        }
        assertThat(node.http.post("/api/v1/events", batch, "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(201);
      }

      List<Long> expected = LongStream.rangeClosed(1, EVENTS).boxed().toList();
      // the fast socket gets everything while the slow one is stalled
      assertThat(seqs(fast.deliveries(channel, EVENTS, CATCH_UP))).containsExactlyElementsOf(expected);
      assertThat(node.herald.hub().laggingCount(channel).await()).isEqualTo(1);

      slow.resume();
      List<JsonObject> got = slow.deliveries(channel, EVENTS, CATCH_UP);
      assertThat(seqs(got)).containsExactlyElementsOf(expected);
      assertThat(data(got.get(EVENTS - 1)).getInteger("n")).isEqualTo(EVENTS);

      // back to live delivery after catching up
      node.http.publish(channel, "after", 1);
      assertThat(slow.deliveries(channel, 1).get(0).getLong("seq")).isEqualTo(EVENTS + 1);
      assertThat(node.herald.hub().laggingCount(channel).await()).isZero();
    }
  }
}
