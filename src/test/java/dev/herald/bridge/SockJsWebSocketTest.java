package dev.herald.bridge;

import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * SockJS's websocket transport (/eventbus/{server}/{session}/websocket), which Herald serves
 * itself: SockJS's framing as sockjs-client expects it (OfficialClientTest runs the real client).
 */
class SockJsWebSocketTest extends OneNodeTest {

  @Test
  void opensWithOAndCarriesDeliveriesAsAsciiArraysThatDecodeToWhatWasPublished() {
    String tricky = "quote \" backslash \\ newline \n tab \t é € 😀 line separator \u2028 bell \u0007 <script>";
    try (BridgeClient client = BridgeClient.connectSockJs(node.port)) {
      assertThat(client.nextSockJsControl()).isEqualTo("o");
      client.subscribe("market:sockjs-text");
      node.http.publish("market:sockjs-text", "note", new JsonObject().put("text", tricky));

      JsonObject delivered = client.deliveries("market:sockjs-text", 1).get(0);
      assertThat(data(delivered).getString("text")).isEqualTo(tricky);
      String frame = client.wire().stream().filter(text -> text.contains("sockjs-text") && text.contains("note")).findFirst().orElseThrow();
      assertThat(frame).startsWith("a[\"").endsWith("\"]");
      assertThat(frame.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("only printable ASCII on the wire: %s", frame).isTrue();
      assertThat(new JsonArray(frame.substring(1))).hasSize(1);
    }
  }

  @Test
  void aClientMayAlsoSendOneJsonStringAndEmptyFramesAreIgnored() {
    try (BridgeClient client = BridgeClient.connectSockJs(node.port)) {
      client.sendUnframed("");
      client.sendUnframed("[]");
      String replyAddress = UUID.randomUUID().toString();
      String register = new JsonObject().put("type", "register").put("address", "market:sockjs-single")
          .put("replyAddress", replyAddress).encode();
      client.sendUnframed(new JsonArray().add(register).encode().replaceAll("^\\[|]$", "")); // "..." alone

      JsonObject ack = client.next(f -> replyAddress.equals(f.getString("address")));
      assertThat(ack.getString("type")).isEqualTo("rec");
    }
  }

  @Test
  void framingThatIsNoSockJsClosesTheSession() {
    try (BridgeClient client = BridgeClient.connectSockJs(node.port)) {
      client.sendUnframed("{\"type\":\"ping\"}"); // a bridge frame, not wrapped in SockJS's array
      assertThat(client.closeStatus()).isEqualTo((short) 1007);
    }
  }

  @Test
  void stoppingTheNodeSaysRestartingInSockJsThenClosesWithTheSameStatus() {
    BridgeClient client;
    try (TestNode stopping = TestNode.start(TestDatabase.create(), false)) {
      client = BridgeClient.connectSockJs(stopping.port);
      client.subscribe("market:stopping");
    }
    try (client) {
      // the node drains first: its sockets are told to reconnect at once (1012, service restart)
      assertThat(client.closeStatus()).isEqualTo((short) 1012);
      assertThat(client.nextSockJsControl()).isEqualTo("o");
      assertThat(client.nextSockJsControl()).isEqualTo("c[1012,\"the node is restarting; reconnect\"]");
    }
  }
}
