package dev.herald.documents;

import dev.herald.core.HeraldException;
import dev.herald.core.UnicodeText;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The order of a list or snapshot: one top-level field ({@code orderBy=amount}), descending with a
 * leading minus ({@code -amount}), then the id; documents without the field come first (JSON null
 * sorts lowest). By default, by id.
 */
record Order(String field, boolean descending) {

  static final Order BY_ID = new Order(DocJson.ID, false);

  static Order parse(String text) {
    if (text == null || text.isBlank()) {
      return BY_ID;
    }
    boolean desc = text.startsWith("-");
    String field = desc ? text.substring(1) : text;
    if (!field.matches("[A-Za-z0-9_]{1,64}")) {
      throw HeraldException.badRequest("invalid_order_by",
          "orderBy is a top-level field name (A-Z a-z 0-9 _, at most 64), with a leading - for descending");
    }
    return new Order(field, desc);
  }

  /** Where a page ends: the last document's sort key (jsonb text) and id, as an opaque token. */
  record Cursor(String key, String id) {

    String token() {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(new JsonArray().add(key).add(id).encode().getBytes(StandardCharsets.UTF_8));
    }

    static Cursor parse(String token) {
      if (token == null || token.isEmpty()) {
        return null;
      }
      try {
        JsonArray a = new JsonArray(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        Cursor c = new Cursor(a.getString(0), a.getString(1));
        Json.decodeValue(c.key); // the key goes to PostgreSQL as jsonb: it must be JSON it can store
        if (c.key.contains("\\u0000") || UnicodeText.unpairedSurrogateAt(c.key + c.id) >= 0 || c.id.indexOf(0) >= 0) {
          throw new IllegalArgumentException("not storable text");
        }
        return c;
      } catch (RuntimeException e) {
        throw HeraldException.badRequest("invalid_after", "after must be the next token of a previous page, as given");
      }
    }
  }
}
