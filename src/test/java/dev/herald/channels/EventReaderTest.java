package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.core.HeraldException;
import dev.herald.journal.NewEvent;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Publish bodies read from bytes: data is kept exactly as written, every kind of value. */
class EventReaderTest {

  static NewEvent one(String body) {
    return EventReader.one(Buffer.buffer(body), "feed");
  }

  @Test
  void dataOfEveryKindIsKeptAsWrittenWhereverItSitsInTheObject() {
    List<String> values = List.of("12", "-3.5e2", "0", "true", "false", "null", "\"text \\\"q\\\" \\u00e9 ✓\"",
        "{\"b\": [1, {\"c\": null}], \"a\": \"}\"}", "[ ]", "{}", "[1,2 , 3]");
    for (String value : values) {
      assertThat(one("{\"type\":\"t\",\"data\":" + value + "}").dataJson()).as("last, no space").isEqualTo(value);
      assertThat(one("{ \"data\" : " + value + " ,\n \"type\" : \"t\" }").dataJson()).as("first, spaced").isEqualTo(value);
      assertThat(one("{\"data\":" + value + ",\"type\":\"t\"}").dataJson()).as("first, tight").isEqualTo(value);
    }
  }

  @Test
  void fieldsAreCheckedLikeAnyOtherPublish() {
    NewEvent e = one("{\"type\":\"paid\",\"id\":\"o-1\",\"extra\":{\"ignored\":[1]}}");
    assertThat(e.type()).isEqualTo("paid");
    assertThat(e.id()).isEqualTo("o-1");
    assertThat(e.clientId()).isTrue();
    assertThat(e.dataJson()).isEqualTo("null");
    assertThat(one("{\"type\":\"t\"}").clientId()).isFalse();
    assertThatThrownBy(() -> one("{\"type\":{\"a\":1}}")).isInstanceOfSatisfying(HeraldException.class,
        x -> assertThat(x.code()).isEqualTo("invalid_event"));
    assertThatThrownBy(() -> one("{\"type\":\"t\",\"id\":7}")).isInstanceOfSatisfying(HeraldException.class,
        x -> assertThat(x.code()).isEqualTo("invalid_event"));
    assertThatThrownBy(() -> one("[1]")).isInstanceOfSatisfying(HeraldException.class,
        x -> assertThat(x.code()).isEqualTo("invalid_event"));
  }

  @Test
  void malformedJsonAnywhereIsInvalidJson() {
    for (String body : List.of("{\"type\":\"t\",\"data\":{\"a\":}", "{\"type\":\"t\"} trailing", "{\"type\":\"t\"", "nope",
        "{\"type\":7, \"data\": [1,}")) {
      assertThatThrownBy(() -> one(body)).as(body).isInstanceOfSatisfying(HeraldException.class,
          x -> assertThat(x.code()).isEqualTo("invalid_json"));
    }
    assertThatThrownBy(() -> EventReader.batch(Buffer.buffer("[{\"channel\":\"a\",\"type\":7}, {\"x\":]")))
        .isInstanceOfSatisfying(HeraldException.class, x -> assertThat(x.code()).isEqualTo("invalid_json"));
  }

  @Test
  void batchesNameTheItemAtFault() {
    List<NewEvent> events = EventReader.batch(Buffer.buffer(
        "[{\"channel\":\"a\",\"type\":\"x\",\"data\":1},{\"channel\":\"b\",\"type\":\"y\",\"data\":[2]}]"));
    assertThat(events).extracting(NewEvent::channel).containsExactly("a", "b");
    assertThat(events).extracting(NewEvent::dataJson).containsExactly("1", "[2]");
    assertThatThrownBy(() -> EventReader.batch(Buffer.buffer("[{\"channel\":\"a\",\"type\":\"x\"},{\"channel\":\"b\"}]")))
        .isInstanceOfSatisfying(HeraldException.class, x -> assertThat(x.getMessage()).startsWith("item 1: "));
    for (String body : List.of("[]", "{\"channel\":\"a\"}", "3")) {
      assertThatThrownBy(() -> EventReader.batch(Buffer.buffer(body))).as(body)
          .isInstanceOfSatisfying(HeraldException.class, x -> assertThat(x.code()).isEqualTo("invalid_batch"));
    }
  }
}
