package dev.herald.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.LogCapture;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Broken, mistyped, oversized and randomly mutated bridge frames, over the raw WebSocket and
 * SockJS's websocket transport: every frame that is not a valid request gets an {@code err} (the
 * socket stays open), nothing makes the node log an uncaught failure, and a normal client is
 * served throughout.
 */
class FrameFuzzTest extends OneNodeTest {

  private static final long SEED = 20261202L;
  private static final int RANDOM_FRAMES = 400;

  @Test
  void rawWebSocket() {
    fuzz(port -> BridgeClient.connect(port, null));
  }

  @Test
  void sockJsWebSocket() {
    fuzz(BridgeClient::connectSockJs);
  }

  private void fuzz(Function<Integer, BridgeClient> connect) {
    String channel = "market:fuzz-" + System.nanoTime();
    try (LogCapture log = new LogCapture();
        BridgeClient bystander = BridgeClient.connect(node.port, Tokens.user("bystander"));
        BridgeClient fuzzer = connect.apply(node.port)) {
      bystander.subscribe(channel);

      List<String> invalid = invalidFrames();
      invalid.forEach(fuzzer::sendRaw);
      for (int i = 0; i < invalid.size(); i++) {
        JsonObject err = fuzzer.nextErr();
        assertThat(err.getInteger("failureCode")).as(err.encode()).isBetween(400, 499);
        assertThat(err.getString("message")).isNotBlank();
      }

      Random random = new Random(SEED);
      for (int i = 0; i < RANDOM_FRAMES; i++) {
        fuzzer.sendRaw(random.nextInt(3) == 0 ? mutate(random, validFrame(random)) : randomFrame(random));
      }
      // the fuzzer's socket still answers, in order after everything it sent
      assertThat(fuzzer.request("herald.history", new JsonObject().put("channel", channel)).getString("type")).isEqualTo("rec");

      assertThat(node.http.publish(channel, "after.fuzz", "still served").status()).isEqualTo(201);
      assertThat(bystander.deliveries(channel, 1).get(0).getString("data")).isEqualTo("still served");
      assertThat(node.http.get("/health/ready").status()).isEqualTo(200);
      assertThat(log.failures()).isEmpty();
    }
  }

  /** Frames that are no valid request, each of which must be answered with exactly one err frame. */
  private static List<String> invalidFrames() {
    List<String> frames = new ArrayList<>(List.of(
        "", "{", "}", "not json", "\u0000", "[]", "42", "\"register\"", "null", "true", "{\"type\":\"register\"",
        "[".repeat(5_000) + "]".repeat(5_000),
        "{\"type\":\"register\"}",
        "{\"type\":\"send\",\"address\":5}",
        "{\"type\":\"register\",\"address\":{}}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":\"h\"}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":[1]}",
        "{\"type\":\"bogus\",\"address\":\"market:x\"}",
        "{\"address\":\"market:x\"}",
        "{\"type\":7,\"address\":\"market:x\"}",
        "{\"type\":\"publish\",\"address\":\"market:x\",\"body\":{}}",
        "{\"type\":\"register\",\"address\":\"\"}",
        "{\"type\":\"register\",\"address\":\"a b\"}",
        "{\"type\":\"register\",\"address\":\"market:\\u0000\"}",
        "{\"type\":\"register\",\"address\":\"" + "x".repeat(300) + "\"}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"since\":\"abc\"}}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"since\":-5}}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"since\":1.5}}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"token\":5}}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"token\":\"not.a.jwt\"}}",
        "{\"type\":\"register\",\"address\":\"user:someone\"}",
        "{\"type\":\"register\",\"address\":\"market:x\",\"headers\":{\"pad\":\"" + "y".repeat(70_000) + "\"}}"));
    for (String address : List.of("herald.history", "herald.publish", "herald.presence", "herald.typing", "herald.presence.update", "herald.auth",
        "herald.docs.write", "herald.aggregate", "herald.nope")) {
      for (Object body : List.of("s", 5, new JsonArray().add(1), new JsonObject().put("channel", 5),
          new JsonObject().put("channel", new JsonObject()), new JsonObject().put("channel", "market:x").put("since", "abc"),
          new JsonObject().put("channel", "market:x").put("limit", 1e12), new JsonObject().put("channel", "bad channel"),
          new JsonObject().put("channel", "market:x").put("typing", "yes").put("limit", 0),
          new JsonObject().put("token", 5))) {
        frames.add(send(address, body).encode());
      }
    }
    return frames;
  }

  private static JsonObject send(String address, Object body) {
    return new JsonObject().put("type", "send").put("address", address).put("replyAddress", "r-" + address).put("body", body);
  }

  private static final Object[] TYPES = {"register", "unregister", "send", "publish", "ping", "bogus", 5, null, new JsonObject()};
  private static final Object[] ADDRESSES = {"market:fuzz", "chat:fuzz", "user:x", "role:admin", "sales", "herald.history",
      "herald.publish", "herald.presence", "herald.typing", "herald.presence.update", "herald.auth", "herald.docs.write", "herald.ping",
      "herald.aggregate", "",
      "a b", 5, null, new JsonArray()};
  private static final Object[] VALUES = {null, "", "x", "\u0000", "\ud800", -1, 0, 1, Long.MAX_VALUE, -1e308, 1e308, 0.5,
      "9".repeat(40), true, new JsonObject(), new JsonArray(), "z".repeat(2_000)};
  private static final String[] FIELDS = {"channel", "since", "limit", "type", "data", "id", "typing", "token", "info",
      "op", "collection", "doc", "patch", "ifMatch"};

  private static String randomFrame(Random random) {
    JsonObject frame = new JsonObject().put("type", pick(random, TYPES)).put("address", pick(random, ADDRESSES));
    if (random.nextBoolean()) {
      frame.put("headers", random.nextInt(4) == 0 ? pick(random, VALUES) : randomObject(random));
    }
    if (random.nextBoolean()) {
      frame.put("body", random.nextInt(4) == 0 ? pick(random, VALUES) : randomObject(random));
    }
    if (random.nextBoolean()) {
      frame.put("replyAddress", random.nextInt(5) == 0 ? pick(random, VALUES) : "r" + random.nextInt(100));
    }
    return frame.encode();
  }

  private static JsonObject randomObject(Random random) {
    JsonObject o = new JsonObject();
    for (int i = random.nextInt(4); i > 0; i--) {
      o.put(FIELDS[random.nextInt(FIELDS.length)], pick(random, VALUES));
    }
    return o;
  }

  private static String validFrame(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> new JsonObject().put("type", "register").put("address", "market:fuzz").encode();
      case 1 -> new JsonObject().put("type", "unregister").put("address", "market:fuzz").encode();
      case 2 -> send("herald.history", new JsonObject().put("channel", "market:fuzz").put("since", 0).put("limit", 5)).encode();
      default -> send("herald.publish", new JsonObject().put("channel", "chat:fuzz").put("type", "t").put("data", 1)).encode();
    };
  }

  /** A few random edits: a character replaced, dropped or doubled. */
  private static String mutate(Random random, String frame) {
    StringBuilder s = new StringBuilder(frame);
    for (int i = 1 + random.nextInt(3); i > 0 && s.length() > 0; i--) {
      int at = random.nextInt(s.length());
      switch (random.nextInt(3)) {
        case 0 -> s.setCharAt(at, (char) (32 + random.nextInt(95)));
        case 1 -> s.deleteCharAt(at);
        default -> s.insert(at, s.charAt(at));
      }
    }
    return s.toString();
  }

  private static Object pick(Random random, Object[] values) {
    return values[random.nextInt(values.length)];
  }
}
