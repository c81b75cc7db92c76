package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.core.HeraldException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * Numbers stay exact from the text a publisher wrote, through CEL, to the JSON Herald answers:
 * plain digits, as many as needed, whatever encoder (Vert.x's, so Jackson's) writes them.
 */
class ExactJsonTest {

  @Test
  void decimalsAreReadExactlyAndWrittenInPlainDigits() {
    JsonObject read = ExactJson.object("{\"big\":123456789012345678901234567890.25,\"whole\":1E+3,\"tiny\":1e-8,"
        + "\"beyondLong\":98765432109876543210,\"n\":42,\"zero\":0.000}");
    assertThat(read.getValue("n")).isEqualTo(42L);
    assertThat(read.getValue("whole")).isEqualTo(1000L);
    assertThat(read.getValue("zero")).isEqualTo(0L);
    assertThat(Decimal.of(read.getValue("big"))).isEqualTo(new BigDecimal("123456789012345678901234567890.25"));
    String text = "{\"big\":123456789012345678901234567890.25,\"whole\":1000,\"tiny\":0.00000001,"
        + "\"beyondLong\":98765432109876543210,\"n\":42,\"zero\":0}";
    assertThat(read.encode()).isEqualTo(text);
    assertThat(Json.encode(read.copy())).isEqualTo(text); // copies keep the exact numbers
    assertThat(Decimal.json(new BigDecimal("2E+2"))).isEqualTo(200L);
  }

  @Test
  void theBoundIsCheckedWithoutExpandingTheDigits() {
    assertThat(Decimal.keepable(new BigDecimal("1e300"))).isTrue();
    assertThat(Decimal.keepable(new BigDecimal("-1e300"))).isTrue();
    assertThat(Decimal.keepable(new BigDecimal("1e-300"))).isTrue();
    assertThat(Decimal.keepable(new BigDecimal("1.7e308"))).isFalse();
    assertThat(Decimal.keepable(new BigDecimal("1e-301"))).isFalse();
    assertThat(Decimal.keepable(new BigDecimal("1e999999999"))).isFalse(); // at once, not a billion digits
    assertThat(Decimal.keepable(new BigDecimal("1e-999999999"))).isFalse();
  }

  @Test
  void celHandsTheDataValuesBackExactlyAndComputesInDoubles() {
    CelInput input = CelInput.of("a", "c", "t", "id", "{\"x\":0.12345678901234567890123,\"xs\":[1.5,2.5],\"n\":3}");
    Object picked = input.json(FieldSpec.eval(FieldSpec.compile("data.n > 2 ? data.x : 0.0", "test", FieldSpec.Scope.EVENT), input.vars()));
    assertThat(Decimal.of(picked)).isEqualTo(new BigDecimal("0.12345678901234567890123"));
    Object element = input.json(FieldSpec.eval(FieldSpec.compile("data.xs[1]", "test", FieldSpec.Scope.EVENT), input.vars()));
    assertThat(element).isInstanceOf(Decimal.class).hasToString("2.5");
    Object computed = input.json(FieldSpec.eval(FieldSpec.compile("data.x * 2.0", "test", FieldSpec.Scope.EVENT), input.vars()));
    assertThat(Decimal.of(computed)).isEqualTo(new BigDecimal(Double.toString(0.12345678901234567890123 * 2.0))); // CEL's double
  }

  @Test
  void dataAnAggregateCouldNotKeepIsRefusedNamingWhere() {
    assertThatThrownBy(() -> CelInput.of("sales", "c", "t", "id", "{\"items\":[{\"price\":1e301}]}"))
        .isInstanceOfSatisfying(HeraldException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).startsWith("data.items[0].price is out of range for aggregate sales");
        });
    assertThatThrownBy(() -> CelInput.of("sales", "c", "t", "id", "{\"a\\u0000\":1}"))
        .hasMessageStartingWith("data (a key) holds U+0000");
    assertThatThrownBy(() -> CelInput.of("sales", "c", "t", "id", "\"\\udc00x\""))
        .hasMessageStartingWith("data holds an unpaired surrogate");
    assertThat(CelInput.of("sales", "c", "t", "id", "\"\\ud83d\\ude00\"").vars()).containsEntry("data", "\ud83d\ude00");
  }
}
