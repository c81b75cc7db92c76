package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.core.HeraldException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text rules on their own: which JSON data and which names pass, and what a refusal says. */
class EventTextTest {

  @Test
  void dataPassesWithPairsOtherEscapesAndEscapedBackslashes() {
    List<String> fine = List.of("null", "1", "\"plain\"", "{\"a\":[1,2,{\"b\":\"c\"}]}",
        "\"\\ud83d\\ude00\"", "\"\uD83D\uDE00\"", "\"\uD83D" + "\\ude00\"", // a pair, escaped, raw, or half and half
        "\"\\\\u0000\"", "\"\\\\ud800\"", // a backslash, then the letters u0000: text, not an escape
        "\"\\u0001\\n\\t\\\"\\/\\b\"", "\"\\u00e9\\u2028\"");
    for (String json : fine) {
      assertThat(EventText.requireStorableData(json)).isEqualTo(json);
    }
  }

  @Test
  void dataWithNulOrAnUnpairedSurrogateIsRefused() {
    List<String> refused = List.of("\"\\u0000\"", "{\"\\u0000\":1}", "[\"a\\u0000\"]", "\"\\ud800\"", "\"\\udc00\"",
        "\"\\ud800x\"", "\"\\udc00\\ud800\"", "\"\\ud800\\ud800\\udc00\"", "\"\uD800\"", "\"\uDC00 \"", "\"\\ud800\\n\"",
        "{\"a\":\"\\ud800\",\"b\":\"\\udc00\"}");
    for (String json : refused) {
      assertThatThrownBy(() -> EventText.requireStorableData(json)).as(json)
          .isInstanceOfSatisfying(HeraldException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("invalid_event");
            assertThat(e.getMessage()).startsWith("data holds ");
          });
    }
  }

  @Test
  void namesArePrintableText() {
    assertThat(EventText.requirePrintable("type", "order.created \uD83D\uDE00 é \u2028")).isNotNull();
    for (String bad : List.of("a\0b", "tab\t", "\u007f", "\u0085", "\uD800", "x\uDC00", "\uD83D")) {
      assertThatThrownBy(() -> EventText.requirePrintable("id", bad)).as(bad)
          .isInstanceOfSatisfying(HeraldException.class, e -> assertThat(e.getMessage()).startsWith("id holds "));
    }
  }
}
