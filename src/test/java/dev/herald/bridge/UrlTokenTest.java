package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.OneNodeTest;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** A ?token= that cannot even be decoded is refused like a bad token: an err frame, and the socket serves as anonymous. */
class UrlTokenTest extends OneNodeTest {

  @Test
  void aBrokenlyEncodedUrlTokenGetsAnErrAndTheSocketStaysUsable() throws Exception {
    for (boolean sockJs : new boolean[] {true, false}) {
      String path = sockJs ? "/eventbus/1/urltoken/websocket" : "/eventbus/websocket";
      String channel = "market:url-token-" + sockJs;
      try (HandRolledWebSocket client = new HandRolledWebSocket(node.port, path + "?token=%zz", sockJs)) {
        JsonObject err = client.next(f -> "err".equals(f.getString("type")));
        BridgeTest.assertErr(err, 401, "unauthorized");
        assertThat(err.containsKey("address")).isFalse();

        client.send(register(channel, "r1"));
        assertThat(client.next(addressed("r1")).getString("type")).isEqualTo("rec");
        node.http.publish(channel, "ok", 1);
        assertThat(client.next(addressed(channel)).getJsonObject("body").getString("type")).isEqualTo("ok");

        client.send(new JsonObject().put("type", "send").put("address", "herald.auth").put("replyAddress", "r2")
            .put("body", new JsonObject().put("token", Tokens.user("url-" + sockJs))));
        assertThat(client.next(addressed("r2")).getJsonObject("body").getBoolean("ok")).isTrue();
        client.send(register("user:url-" + sockJs, "r3"));
        assertThat(client.next(addressed("r3")).getString("type")).isEqualTo("rec");
      }
    }
  }

  private static JsonObject register(String channel, String replyAddress) {
    return new JsonObject().put("type", "register").put("address", channel).put("replyAddress", replyAddress);
  }

  private static Predicate<JsonObject> addressed(String address) {
    return f -> address.equals(f.getString("address"));
  }
}
