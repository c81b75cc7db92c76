package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * A node that drains (what SIGTERM starts) stops taking work without failing what it took: it says
 * it is not ready, turns new requests away with a 503 a client can act on, and tells its sockets,
 * raw and SockJS alike, to reconnect now (close 1012), while it stays live for the proxy's checks.
 */
class DrainTest {

  @Test
  void aDrainingNodeIsNotReadyRefusesNewWorkWithRetryAfterAndSendsItsSocketsElsewhere() {
    try (TestNode node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()));
        BridgeClient raw = node.bridge();
        BridgeClient sockJs = BridgeClient.connectSockJs(node.port)) {
      raw.subscribe("market:drain");
      sockJs.subscribe("market:drain");
      assertThat(node.http.publish("market:drain", "before", 1).status()).isEqualTo(201);
      assertThat(node.http.get("/health/ready").status()).isEqualTo(200);

      node.herald.beginDrain();

      assertThat(raw.closeStatus()).isEqualTo((short) 1012);
      String control = sockJs.nextSockJsControl();
      while (control.equals("o") || control.equals("h")) { // the session's opening, heartbeats
        control = sockJs.nextSockJsControl();
      }
      assertThat(control).startsWith("c[1012,");
      Http.Response ready = node.http.get("/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().getJsonObject("checks").getBoolean("draining")).isTrue();
      assertThat(node.http.get("/health/live").status()).isEqualTo(200);
      Http.Response refused = node.http.publish("market:drain", "after", 2);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.errorCode()).isEqualTo("unavailable");
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      assertThat(node.http.get("/api/v1/channels/market:drain/events").status()).as("reads too: the node is on its way out")
          .isEqualTo(503);
    }
  }
}
