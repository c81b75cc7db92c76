package dev.herald.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.LogCapture;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Secrets never reach the log or an error message: not the JWT secret, not API keys, not the
 * tokens users send (in headers, in frames, or on the bridge URL), whether they are valid, expired,
 * forged or garbled. The node's whole life is captured, from its start to its stop.
 */
class SecretsInLogsTest {

  @Test
  void noSecretIsLoggedOrEchoed() {
    String valid = Tokens.user("alice", "admin");
    String expired = Tokens.expired("alice");
    String forged = Tokens.wrongSecret("alice");
    String garbled = "eyJhbGciOiJIUzI1NiJ9.garbled-" + System.nanoTime();
    String wrongKey = "wrong-key-" + System.nanoTime();
    List<String> secrets = List.of(TestNode.JWT_SECRET, TestNode.API_KEY, valid, expired, forged, garbled, wrongKey);
    List<String> answers = new ArrayList<>();

    try (LogCapture log = new LogCapture()) {
      try (TestNode node = TestNode.start(TestDatabase.create(), false)) {
        Http http = node.http;
        for (String token : List.of(valid, expired, forged, garbled)) {
          answers.add(http.get("/api/v1/channels/user:alice/events", "Authorization", "Bearer " + token).body());
          answers.add(http.post("/api/v1/channels/chat:s/events", new JsonObject().put("type", "t"),
              "Authorization", "Bearer " + token).body());
          try (BridgeClient client = node.bridge(token)) {
            answers.add(client.request("herald.auth", new JsonObject().put("token", token)).encode());
            answers.add(client.request("herald.history", new JsonObject().put("channel", "user:alice"),
                new JsonObject().put("token", token)).encode());
            client.register("role:admin", new JsonObject().put("token", token));
            answers.add(client.request("herald.history", new JsonObject().put("channel", "market:s")).encode());
            answers.addAll(client.wire());
          }
        }
        answers.add(http.post("/api/v1/channels/news/events", new JsonObject().put("type", "t"), "X-Api-Key", wrongKey).body());
        answers.add(http.post("/api/v1/channels/news/events", "{not json", "X-Api-Key", TestNode.API_KEY).body());
        answers.add(http.get("/api/v1/aggregates/sales", "Authorization", "Basic " + TestNode.API_KEY).body());
      }
      for (String secret : secrets) {
        assertThat(log.lines()).as("log lines").noneMatch(line -> line.contains(secret));
        assertThat(answers).as("answers to clients").noneMatch(answer -> answer.contains(secret));
      }
      assertThat(log.lines()).as("the capture saw the node's life").isNotEmpty();
    }
  }
}
