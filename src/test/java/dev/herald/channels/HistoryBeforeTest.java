package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Envelopes;
import dev.herald.testing.Http.Response;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * {@code ?before=<seq>&limit=} (and {@code before} on {@code herald.history}): history paged
 * backwards, newest first, as a chat's "load older" does.
 */
class HistoryBeforeTest extends OneNodeTest {

  static final String CHANNEL = "market:older";

  @Test
  void pagesBackwardsNewestFirstUntilTheOldest() {
    for (int i = 1; i <= 7; i++) {
      assertThat(node.http.publish(CHANNEL, "n", i).status()).isEqualTo(201);
    }
    JsonObject page = get("?before=6&limit=3").json();
    assertThat(Envelopes.seqs(page.getJsonArray("events"))).containsExactly(5L, 4L, 3L);
    assertThat(page.getLong("firstSeq")).isEqualTo(1);
    assertThat(page.getLong("lastSeq")).isEqualTo(7);

    assertThat(Envelopes.seqs(get("?before=3&limit=3").json().getJsonArray("events"))).containsExactly(2L, 1L);
    assertThat(get("?before=1").json().getJsonArray("events")).isEmpty();
    // before beyond the head: the newest page
    assertThat(Envelopes.seqs(get("?before=1000&limit=2").json().getJsonArray("events"))).containsExactly(7L, 6L);
  }

  @Test
  void heraldHistoryOnTheBridgeTakesBeforeToo() {
    for (int i = 1; i <= 4; i++) {
      assertThat(node.http.publish("market:older-bridge", "n", i).status()).isEqualTo(201);
    }
    try (BridgeClient client = node.bridge()) {
      JsonObject reply = client.request("herald.history", new JsonObject().put("channel", "market:older-bridge")
          .put("before", "4").put("limit", 2)).getJsonObject("body");
      assertThat(Envelopes.seqs(reply.getJsonArray("events"))).containsExactly(3L, 2L);
      JsonObject both = client.request("herald.history", new JsonObject().put("channel", "market:older-bridge")
          .put("before", 4).put("since", 1));
      assertThat(both.getString("type")).isEqualTo("err");
      assertThat(both.getInteger("failureCode")).isEqualTo(400);
    }
  }

  @Test
  void badOrConflictingParametersAreRefused() {
    assertThat(get("?before=x").errorCode()).isEqualTo("invalid_before");
    assertThat(get("?before=0").errorCode()).isEqualTo("invalid_before");
    Response both = get("?before=5&since=2");
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.errorCode()).isEqualTo("invalid_query");
  }

  private static Response get(String query) {
    return node.http.get("/api/v1/channels/" + CHANNEL + "/events" + query, "X-Api-Key", TestNode.API_KEY);
  }
}
