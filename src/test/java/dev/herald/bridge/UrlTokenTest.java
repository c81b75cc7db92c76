package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A ?token= that cannot even be decoded is refused like a bad token: an err frame, and the socket serves as anonymous. */
class UrlTokenTest extends OneNodeTest {

  @Test
  void aBrokenlyEncodedUrlTokenGetsAnErrAndTheSocketStaysUsable() {
    for (boolean sockJs : new boolean[] {true, false}) {
      String channel = "market:url-token-" + sockJs;
      try (BridgeClient client = BridgeClient.connectWithQuery(node.port, sockJs, "token=%zz")) {
        JsonObject err = client.nextErr();
        BridgeTest.assertErr(err, 401, "unauthorized");
        assertThat(err.containsKey("address")).isFalse();

        client.subscribe(channel);
        node.http.publish(channel, "ok", 1);
        assertThat(client.deliveries(channel, 1)).hasSize(1);
        JsonObject ok = client.request("herald.auth", new JsonObject().put("token", Tokens.user("url-" + sockJs)));
        assertThat(ok.getJsonObject("body").getBoolean("ok")).isTrue();
        client.subscribe("user:url-" + sockJs);
      }
    }
  }
}
