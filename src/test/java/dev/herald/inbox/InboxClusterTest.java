package dev.herald.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import dev.herald.testing.ThreeNodeTest;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The inbox across nodes: a role notification sent through one node reaches its holders on the
 * others, once each, with read state of their own; a user's tabs on two nodes agree on the unread
 * count, and a read-all on one reaches the other.
 */
class InboxClusterTest extends ThreeNodeTest {

  static final String ME = "/api/v1/me/notifications";

  @Test
  void aRoleNotificationReachesItsHoldersOnOtherNodesAndTheirTabsAgree() {
    String gil = Tokens.user("gil", "investor");
    String hal = Tokens.user("hal", "investor");
    try (BridgeClient gilOnB = cluster.node(1).bridge(gil);
        BridgeClient halOnC = cluster.node(2).bridge(hal);
        BridgeClient gilOnC = cluster.node(2).bridge(gil)) {
      gilOnB.subscribe("role:investor");
      halOnC.subscribe("role:investor");
      gilOnB.subscribe("user:gil");
      gilOnC.subscribe("user:gil");

      Http.Response sent = cluster.node(0).http.post("/api/v1/notifications", new JsonObject()
          .put("to", new JsonObject().put("role", "investor")).put("id", "listing-42").put("type", "invoice.listed")
          .put("title", "INV-42 listed"), "X-Api-Key", TestNode.API_KEY);
      assertThat(sent.status()).as(sent.body()).isEqualTo(201);
      for (BridgeClient holder : new BridgeClient[] {gilOnB, halOnC}) {
        JsonObject live = holder.deliveries("role:investor", 1).get(0);
        assertThat(live.getString("type")).isEqualTo("notification");
        assertThat(live.getJsonObject("data").getString("id")).isEqualTo("listing-42");
      }
      assertThat(unread(cluster.node(1), gil)).isEqualTo(1);
      assertThat(unread(cluster.node(2), hal)).isEqualTo(1);

      // gil reads everything on node B: his tab on node C hears it, hal's state is his own
      JsonObject readAll = gilOnB.request("herald.inbox.readAll", new JsonObject()).getJsonObject("body");
      assertThat(readAll.getInteger("unreadCount")).isZero();
      for (BridgeClient tab : new BridgeClient[] {gilOnB, gilOnC}) {
        JsonObject pushed = tab.deliveries("user:gil", 1).get(0);
        assertThat(pushed.getString("type")).isEqualTo("inbox.read");
        assertThat(pushed.getJsonObject("data").getInteger("unreadCount")).isZero();
      }
      assertThat(unread(cluster.node(2), gil)).as("gil's count, asked on the other node").isZero();
      assertThat(unread(cluster.node(0), hal)).isEqualTo(1);
    }
  }

  static int unread(TestNode node, String token) {
    Http.Response r = node.http.get(ME, "Authorization", "Bearer " + token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getInteger("unreadCount");
  }
}
