package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Timeouts;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The WebSocket protocol at /eventbus/websocket, which Herald runs itself: handshake, ping, close. */
class RawWebSocketTest extends OneNodeTest {

  /** HeraldConfig's default maxBodyBytes, which the shared node runs with. */
  static final int MAX_BODY_BYTES = 65_536;

  @ParameterizedTest // both endpoints Herald runs itself: raw, and SockJS's websocket transport
  @ValueSource(strings = {"/eventbus/websocket", "/eventbus/123/abcdef/websocket"})
  void aRequestThatIsNoUpgradeIsAnsweredWithAJsonError(String path) {
    var response = node.http.get(path);
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.errorCode()).isEqualTo("bad_request");
  }

  @Test
  void anUpgradeToAnotherWebSocketVersionIsAnsweredWithTheVersionSpoken() throws IOException {
    Raw response = exchange("GET /eventbus/websocket HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
        + "Upgrade: websocket\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertThat(response.head()).startsWith("HTTP/1.1 426 ").containsIgnoringCase("sec-websocket-version: 13\n");
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("upgrade_required");
  }

  @Test
  void pingsAreAnsweredWithTheirPayload() {
    try (BridgeClient client = node.bridge()) {
      assertThat(client.ping("are you there?")).isEqualTo("are you there?");
    }
  }

  @Test
  void aClientsCloseIsEchoedAndItsSubscriptionsEnd() {
    try (BridgeClient client = node.bridge()) {
      client.subscribe("market:closing");
      assertThat(client.closeWith((short) 4000, "bye")).isEqualTo((short) 4000);
      Eventually.equal(() -> node.herald.hub().subscriberCount("market:closing").await(), 0);
    }
  }

  @Test
  void aMessageOverFourTimesTheFrameLimitIsDroppedInFragmentsAndClosesTheSocketAsOneFrame() {
    String tooLarge = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(4 * MAX_BODY_BYTES) + "\"}";
    try (BridgeClient fragmenting = node.bridge()) {
      fragmenting.sendRaw(tooLarge);
      fragmenting.subscribe("market:after-too-large"); // still open and serving
    }
    try (BridgeClient whole = BridgeClient.connectWithWholeFrames(node.port)) {
      whole.sendRaw(tooLarge);
      assertThat(whole.closeStatus()).isEqualTo((short) 1009);
    }
  }

  @Test
  void stoppingTheNodeTellsItsSocketsToReconnectAtOnce() {
    BridgeClient client;
    try (TestNode stopping = TestNode.start(TestDatabase.create(), false)) {
      client = stopping.bridge();
      client.subscribe("market:stopping");
    }
    try (client) {
      assertThat(client.closeStatus()).as("1012, service restart: the node drained").isEqualTo((short) 1012);
    }
  }

  /** An exchange over a plain socket (Java's HTTP client may not send Upgrade headers). */
  private record Raw(String head, String body) {
  }

  private static Raw exchange(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.port)) {
      socket.setSoTimeout((int) Timeouts.FRAME.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      StringBuilder head = new StringBuilder();
      int length = 0;
      for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
        head.append(line).append('\n');
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      char[] body = new char[length];
      for (int read = 0; read < length; ) {
        read += in.read(body, read, length - read);
      }
      return new Raw(head.toString(), new String(body));
    }
  }
}
