package dev.herald.aggregate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/**
 * JSON text read with every number exact: whole numbers that fit as Long, the others as
 * {@link Decimal}. Vert.x's own decoding reads decimals as doubles, which would round a stored sum
 * (or an event's amount) to 17 digits; aggregates read stored values and event data through this.
 */
final class ExactJson {

  private static final JsonFactory JSON = new JsonFactory();

  private ExactJson() {
  }

  /** A JSON value: JsonObject, JsonArray, String, Long, Decimal, Boolean or null. */
  static Object decode(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      Object value = value(parser, parser.nextToken());
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("content after the JSON value");
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON object's text (a stored row's values), exactly. */
  static JsonObject object(String text) {
    return (JsonObject) decode(text);
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    if (token == null) {
      throw new IllegalArgumentException("no JSON value");
    }
    return switch (token) {
      case START_OBJECT -> {
        JsonObject object = new JsonObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          object.put(name, value(parser, parser.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        JsonArray array = new JsonArray();
        JsonToken next;
        while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
          array.add(value(parser, next));
        }
        yield array;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          ? Decimal.json(new BigDecimal(parser.getBigIntegerValue())) : (Object) parser.getLongValue();
      case VALUE_NUMBER_FLOAT -> Decimal.json(parser.getDecimalValue());
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> null;
    };
  }
}
