package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http.Response;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sums beyond Long.MAX and with fractions are exact decimals, answered as plain JSON numbers with as
 * many digits as they need: over REST, in snapshots and after a recompute alike.
 */
class AggregateExactValuesTest {

  static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
  static final List<String> AMOUNTS = List.of("9223372036854775807", "9223372036854775807",
      "123456789012345678901234567890.25", "0.1", "0.2", "-0.05", "0.00000001");

  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject aggregates = new JsonObject()
        .put("money", new JsonObject().put("channels", new JsonArray().add("money"))
            .put("fields", new JsonObject().put("total", "sum(data.amount)").put("lo", "min(data.amount)")
                .put("hi", "max(data.amount)").put("latest", "last(data.amount)"))
            .put("goal", new JsonObject().put("field", "total").put("target", "1e30")))
        .put("dust", new JsonObject().put("channels", new JsonArray().add("dust"))
            .put("fields", new JsonObject().put("total", "sum(data.amount)")));
    node = TestNode.start(new JsonObject().put("dbUrl", TestDatabase.create()).put("aggregates", aggregates));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void sumsBeyondLongMaxAndWithFractionsAreExactEverywhere() throws Exception {
    BigDecimal expected = BigDecimal.ZERO;
    for (String amount : AMOUNTS) {
      expected = expected.add(new BigDecimal(amount));
    }
    try (BridgeClient watcher = node.bridge()) {
      watcher.subscribe("agg:money");
      for (String amount : AMOUNTS) {
        assertThat(publish("money", amount).status()).isEqualTo(201);
      }
      Response rest = node.http.get("/api/v1/aggregates/money");
      JsonNode values = EXACT.readTree(rest.body()).get("values");
      assertThat(values.get("total").decimalValue()).isEqualByComparingTo(expected);
      assertThat(values.get("lo").decimalValue()).isEqualByComparingTo("-0.05");
      assertThat(values.get("hi").decimalValue()).isEqualByComparingTo("123456789012345678901234567890.25");
      assertThat(values.get("latest").decimalValue()).isEqualByComparingTo("0.00000001");
      assertThat(values.get("remaining").decimalValue()).isEqualByComparingTo(new BigDecimal("1e30").subtract(expected));
      String plain = "\"total\":" + expected.toPlainString();
      assertThat(rest.body()).contains(plain).doesNotContain("E+").doesNotContain("E-");

      long version = rest.json().getLong("version");
      String frame = null;
      while (frame == null) {
        AggregateTest.snapshot(watcher, "agg:money");
        frame = watcher.wire().stream().filter(f -> f.contains("\"version\":" + version + ",")).findFirst().orElse(null);
      }
      assertThat(frame).contains(plain).doesNotContain("E+").doesNotContain("E-");

      Response recomputed = node.http.post("/api/v1/aggregates/money/recompute", "{}", "X-Api-Key", TestNode.API_KEY);
      assertThat(recomputed.status()).isEqualTo(200);
      assertThat(EXACT.readTree(recomputed.body()).get("values")).isEqualTo(values);
      assertThat(recomputed.body()).contains(plain);
    }
  }

  @Test
  void tinyFractionsStayPlainAndExact() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(publish("dust", "0.00000001").status()).isEqualTo(201);
    }
    Response rest = node.http.get("/api/v1/aggregates/dust");
    assertThat(rest.body()).contains("\"total\":0.00000003");
    assertThat(EXACT.readTree(rest.body()).get("values").get("total").decimalValue()).isEqualByComparingTo("0.00000003");
  }

  static Response publish(String channel, String amount) {
    return node.http.post("/api/v1/channels/" + channel + "/events", "{\"type\":\"add\",\"data\":{\"amount\":" + amount + "}}",
        "X-Api-Key", TestNode.API_KEY);
  }
}
