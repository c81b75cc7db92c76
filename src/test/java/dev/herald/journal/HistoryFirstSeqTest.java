package dev.herald.journal;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * History answers say where history starts: {@code firstSeq} (the oldest kept seq) beside
 * {@code lastSeq} (the head), over REST and on the bridge alike. With nothing kept, firstSeq is
 * lastSeq + 1 (1 on a channel never written), so {@code since + 1 < firstSeq} always means missed events.
 */
class HistoryFirstSeqTest {

  @Test
  void restAndBridgeHistoryCarryTheOldestKeptSeq() {
    JsonObject config = new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("short", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxEvents", 3)))
        .put("fleeting", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxAge", "0s"))));
    try (TestNode node = TestNode.start(config); BridgeClient client = node.bridge()) {
      for (int i = 1; i <= 10; i++) {
        node.http.publish("short:feed", "n", i);
        node.http.publish("fleeting:feed", "n", i);
      }
      node.herald.trimHistory().await();

      // some kept: 8, 9, 10
      assertPage(rest(node, "short:feed", ""), 8, 10, 8L, 9L, 10L);
      assertPage(rest(node, "short:feed", "?since=9"), 8, 10, 10L);
      assertPage(rest(node, "short:feed", "?since=10"), 8, 10);
      assertPage(bridge(client, "short:feed", 0), 8, 10, 8L, 9L, 10L);
      assertPage(bridge(client, "short:feed", 9), 8, 10, 10L);
      // none kept: the head goes on, firstSeq is the next seq to come
      assertPage(rest(node, "fleeting:feed", ""), 11, 10);
      assertPage(bridge(client, "fleeting:feed", 0), 11, 10);
      // never written
      assertPage(rest(node, "short:empty", ""), 1, 0);
      assertPage(bridge(client, "short:empty", 0), 1, 0);
      // all kept
      node.http.publish("short:new", "n", 1);
      assertPage(rest(node, "short:new", ""), 1, 1, 1L);
    }
  }

  private static JsonObject rest(TestNode node, String channel, String query) {
    return node.http.get("/api/v1/channels/" + channel + "/events" + query).json();
  }

  private static JsonObject bridge(BridgeClient client, String channel, long since) {
    JsonObject reply = client.request("herald.history", new JsonObject().put("channel", channel).put("since", since));
    assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
    return reply.getJsonObject("body");
  }

  private static void assertPage(JsonObject page, long firstSeq, long lastSeq, Long... seqs) {
    assertThat(seqs(page.getJsonArray("events"))).as(page.encode()).containsExactly(seqs);
    assertThat(page.getLong("firstSeq")).as(page.encode()).isEqualTo(firstSeq);
    assertThat(page.getLong("lastSeq")).as(page.encode()).isEqualTo(lastSeq);
  }
}
