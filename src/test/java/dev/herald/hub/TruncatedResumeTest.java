package dev.herald.hub;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retention never wedges a subscription, and a subscriber always knows what it missed: a resume
 * from before the oldest kept event gets {@code history.truncated} {firstSeq} first, then what is
 * kept, then live events, whether a few events are kept or none at all.
 */
class TruncatedResumeTest {

  /** {@code short}: 3 events kept per channel; {@code fleeting}: none survive a retention pass. */
  static JsonObject tinyRetention() {
    return new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("short", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxEvents", 3)))
        .put("fleeting", new JsonObject().put("subscribe", "anyone").put("history", new JsonObject().put("maxAge", "0s"))));
  }

  /** The next n frames addressed to the channel (its events, durable or not), in the order they came. */
  private static List<JsonObject> next(BridgeClient client, String channel, int n) {
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      bodies.add(client.next(f -> "rec".equals(f.getString("type")) && channel.equals(f.getString("address")))
          .getJsonObject("body"));
    }
    return bodies;
  }

  private static void assertTruncated(JsonObject body, String channel, long firstSeq) {
    assertThat(body.getString("type")).isEqualTo("history.truncated");
    assertThat(body.getString("channel")).isEqualTo(channel);
    assertThat(body.getJsonObject("data").getLong("firstSeq")).isEqualTo(firstSeq);
    assertThat(body.containsKey("seq")).as("an ephemeral envelope: not an event of the channel").isFalse();
    assertThat(body.getString("ts")).isNotBlank();
  }

  @Test
  void aResumeFromBeforeTheOldestKeptEventIsToldWhereHistoryStartsThenGetsWhatIsKeptThenLiveEvents() {
    String channel = "short:feed";
    try (TestNode node = TestNode.start(tinyRetention()); BridgeClient client = node.bridge()) {
      for (int i = 1; i <= 10; i++) {
        node.http.publish(channel, "n", i);
      }
      node.herald.trimHistory().await();

      client.subscribe(channel, new JsonObject().put("since", 0));
      node.http.publish(channel, "n", 11);

      List<JsonObject> got = next(client, channel, 5);
      assertTruncated(got.get(0), channel, 8);
      assertThat(seqs(got.subList(1, 5))).containsExactly(8L, 9L, 10L, 11L);
      assertThat(client.pending()).isEmpty();
    }
  }

  @Test
  void whenNothingAfterTheCursorIsKeptTheSubscriptionIsToldAndGoesLive() {
    String channel = "fleeting:feed";
    try (TestNode node = TestNode.start(tinyRetention());
        BridgeClient resumed = node.bridge();
        BridgeClient upToDate = node.bridge()) {
      for (int i = 1; i <= 10; i++) {
        node.http.publish(channel, "n", i);
      }
      node.herald.trimHistory().await();

      resumed.subscribe(channel, new JsonObject().put("since", 3));
      upToDate.subscribe(channel, new JsonObject().put("since", 10));
      node.http.publish(channel, "n", 11);

      List<JsonObject> got = next(resumed, channel, 2);
      assertTruncated(got.get(0), channel, 11);
      assertThat(got.get(1).getLong("seq")).isEqualTo(11);
      // a cursor at the head missed nothing: no truncated envelope for it
      assertThat(next(upToDate, channel, 1).get(0).getLong("seq")).isEqualTo(11);
      assertThat(resumed.pending()).isEmpty();
      assertThat(upToDate.pending()).isEmpty();
    }
  }
}
