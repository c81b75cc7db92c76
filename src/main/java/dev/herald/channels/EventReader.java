package dev.herald.channels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonToken;
import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import dev.herald.journal.NewEvent;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads REST publish bodies straight from the request bytes with a streaming parser. An event's
 * {@code data} is kept as the publisher's JSON text (checked by the parser, never rebuilt into maps
 * and serialized again): that is what gets stored and delivered.
 */
final class EventReader {

  private static final JsonFactory JSON = new JsonFactory();
  /** Stands for an object or array where a scalar field (channel, type, id) was expected. */
  private static final Object STRUCTURE = new Object();

  private final byte[] bytes;
  private final JsonParser parser;

  private EventReader(Buffer body) throws IOException {
    this.bytes = body.getBytes();
    this.parser = JSON.createParser(bytes);
  }

  /** A body holding one event {type, data?, id?} for the given channel. */
  static NewEvent one(Buffer body, String channel) {
    try {
      EventReader reader = new EventReader(body);
      NewEvent event = reader.event(reader.parser.nextToken(), channel);
      reader.end();
      return event;
    } catch (IOException e) {
      throw Rest.notJson();
    }
  }

  /** A body holding a non-empty array of events {channel, type, data?, id?}. */
  static List<NewEvent> batch(Buffer body) {
    try {
      EventReader reader = new EventReader(body);
      if (reader.parser.nextToken() != JsonToken.START_ARRAY) {
        reader.parser.skipChildren();
        reader.end();
        throw notABatch();
      }
      List<NewEvent> events = new ArrayList<>();
      JsonToken token;
      while ((token = reader.parser.nextToken()) != JsonToken.END_ARRAY) {
        try {
          events.add(reader.event(token, null));
        } catch (HeraldException e) {
          reader.rest(); // malformed JSON further on is the first thing to report
          throw new HeraldException(e.status(), e.code(), "item " + events.size() + ": " + e.getMessage());
        }
      }
      reader.end();
      if (events.isEmpty()) {
        throw notABatch();
      }
      return events;
    } catch (IOException e) {
      throw Rest.notJson();
    }
  }

  private static HeraldException notABatch() {
    return HeraldException.badRequest("invalid_batch", "the body must be a non-empty JSON array of {channel, type, data, id?}");
  }

  private NewEvent event(JsonToken token, String channel) throws IOException {
    if (token != JsonToken.START_OBJECT) {
      parser.skipChildren();
      rest();
      throw Channels.notAnEvent();
    }
    Map<String, Object> fields = new HashMap<>(8);
    String data = "null";
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("data".equals(name)) {
        data = rawValue();
      } else if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
        parser.skipChildren();
        fields.put(name, STRUCTURE);
      } else {
        fields.put(name, scalar(value));
      }
    }
    return Channels.toEvent(fields, data, channel);
  }

  /** The current value's text as written: from its first byte to just before the next token. */
  private String rawValue() throws IOException {
    int start = (int) parser.currentTokenLocation().getByteOffset();
    parser.skipChildren();
    parser.finishToken();
    int end = (int) parser.currentLocation().getByteOffset();
    while (end > start && (isSpace(bytes[end - 1]))) {
      end--;
    }
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private Object scalar(JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> null;
    };
  }

  /** Reads what is left, so that malformed JSON anywhere is reported as such. */
  private void rest() throws IOException {
    while (parser.nextToken() != null) {
      parser.skipChildren();
    }
  }

  /** The document must end here. */
  private void end() throws IOException {
    if (parser.nextToken() != null) {
      throw new JsonParseException(parser, "content after the JSON value");
    }
  }
}
