package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Caps on sockets per IP address and per user, node-local and off by default (load tests and
 * proxies put thousands of sockets behind one address): configured, a handshake over the IP cap is
 * refused with 429, and a socket that makes a user's count go over the user cap gets a 429 err
 * frame and is closed (1008).
 */
class SocketCapsTest {

  static final int PER_IP = 5;
  static final int PER_USER = 2;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create())
        .put("limits", new JsonObject().put("socketsPerIp", PER_IP).put("socketsPerUser", PER_USER)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aHandshakeOverTheCapPerIpIsRefusedUntilASocketCloses() {
    List<BridgeClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_IP; i++) {
        open.add(i % 2 == 0 ? node.bridge() : BridgeClient.connectSockJs(node.port));
      }
      for (String path : List.of("/eventbus/websocket", "/eventbus/1/over/websocket")) {
        try (HandWrittenSocket refused = HandWrittenSocket.open(node.port, path, 65536)) {
          assertThat(refused.status()).isEqualTo(429);
          assertThat(refused.header("Retry-After")).isNotNull();
        }
      }
      open.remove(0).close();
      assertThat(eventuallyAccepted()).isTrue();
    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  @Test
  void aSocketOverTheCapPerUserIsToldAndClosed() {
    String erin = Tokens.user("erin");
    try (BridgeClient one = node.bridge(erin); BridgeClient two = node.bridge(erin)) {
      one.subscribe("market:caps");
      two.subscribe("market:caps");
      try (BridgeClient three = node.bridge(erin)) {
        JsonObject err = three.nextErr();
        assertThat(err.getInteger("failureCode")).isEqualTo(429);
        assertThat(err.getString("message")).startsWith("too_many_connections: ");
        assertThat(three.closeStatus()).isEqualTo((short) 1008);
      }
      // a token refresh to a user at the cap is refused the same way
      try (BridgeClient anonymous = node.bridge()) {
        anonymous.sendRaw(new JsonObject().put("type", "send").put("address", "herald.auth").put("replyAddress", "auth")
            .put("body", new JsonObject().put("token", erin)).encode());
        assertThat(anonymous.closeStatus()).isEqualTo((short) 1008);
      }
      try (BridgeClient other = node.bridge(Tokens.user("frank"))) {
        other.subscribe("market:caps"); // other users are not affected
      }
    }
    try (BridgeClient again = node.bridge(erin)) {
      again.subscribe("market:caps"); // the count went down as erin's sockets closed
    }
  }

  /** Tries handshakes until one is accepted (the closed socket's count is released on its close). */
  private static boolean eventuallyAccepted() {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (HandWrittenSocket socket = HandWrittenSocket.open(node.port, "/eventbus/websocket", 65536)) {
        if (socket.status() == 101) {
          return true;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
