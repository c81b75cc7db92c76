package dev.herald.documents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.core.HeraldException;
import dev.herald.core.StorableJson;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;

/**
 * Documents as JSON: read with every number exact (a decimal is a BigDecimal, never rounded to a
 * double), checked for what PostgreSQL's jsonb cannot hold (U+0000, unpaired surrogates) or a
 * client should not send (Herald's own {@code _} fields, absurd nesting), merge-patched (RFC 7396).
 */
final class DocJson {

  static final String ID = "_id";
  static final String REV = "_rev";
  static final String UPDATED_AT = "_updatedAt";
  private static final Set<String> META = Set.of(ID, REV, UPDATED_AT);
  private static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private DocJson() {
  }

  /** Stored JSON text (a document or a change), exactly. */
  @SuppressWarnings("unchecked")
  static JsonObject parse(String text) {
    try {
      return new JsonObject(EXACT.readValue(text, Map.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON does not parse", e);
    }
  }

  /** A client's body: a JSON object, or a 400 saying what is wrong with it. */
  @SuppressWarnings("unchecked")
  static JsonObject body(String text, String what) {
    Object value;
    try {
      value = EXACT.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw HeraldException.badRequest("invalid_json", what + " is not valid JSON");
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw HeraldException.badRequest("invalid_document", what + " must be a JSON object");
    }
    return new JsonObject((Map<String, Object>) map);
  }

  /**
   * A document's fields as a client gives them: Herald's meta fields are dropped (a client may send
   * back a doc as it got it), any other top-level {@code _} field is refused, and every string and
   * key must be storable.
   */
  static JsonObject content(JsonObject given) {
    JsonObject fields = new JsonObject();
    for (Map.Entry<String, Object> e : given) {
      if (META.contains(e.getKey())) {
        continue;
      }
      if (e.getKey().startsWith("_")) {
        throw HeraldException.badRequest("reserved_field",
            "fields starting with _ are Herald's (" + String.join(", ", META) + "); rename " + StorableJson.shown(e.getKey()));
      }
      fields.put(e.getKey(), e.getValue());
    }
    StorableJson.require(fields, "the document", "invalid_document");
    return fields;
  }

  /** RFC 7396: null removes a field, an object merges into an object, anything else replaces. */
  static Object mergePatch(Object target, Object patch) {
    if (!(patch instanceof JsonObject p)) {
      return patch;
    }
    JsonObject result = target instanceof JsonObject t ? t.copy() : new JsonObject();
    for (Map.Entry<String, Object> e : p) {
      if (e.getValue() == null) {
        result.remove(e.getKey());
      } else {
        result.put(e.getKey(), mergePatch(result.getValue(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}
