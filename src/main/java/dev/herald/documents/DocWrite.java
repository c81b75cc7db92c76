package dev.herald.documents;

import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One write of a document: create with a server-made id, put (create or replace), patch (JSON merge
 * patch) or delete, made conditional by {@code ifMatch} (the rev it expects; 0: only if absent).
 */
record DocWrite(Op op, String collection, String id, JsonObject body, Long ifMatch) {

  enum Op { CREATE, PUT, PATCH, DELETE }

  private static final int MAX_ID_LENGTH = 200;

  /** A document id as a client gives it: 1 to 200 of A-Z a-z 0-9 _ - . : @, or a 400. */
  static String requireId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw HeraldException.badRequest("invalid_id", "a document id is 1 to " + MAX_ID_LENGTH + " characters");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.' || c == ':' || c == '@';
      if (!ok) {
        throw HeraldException.badRequest("invalid_id", "a document id is made of A-Z a-z 0-9 _ - . : @");
      }
    }
    return id;
  }

  /**
   * A write as JSON {op: create|put|patch|delete, collection, id?, doc?|patch?, ifMatch?} (a
   * transaction's items, the bridge's herald.docs.write), or a 400 with {@code code} naming it by {@code label}.
   */
  static DocWrite parse(Object item, String code, String label) {
    if (!(item instanceof JsonObject w)) {
      throw HeraldException.badRequest(code, label + " must be a JSON object");
    }
    Op op;
    try {
      op = Op.valueOf(String.valueOf(w.getValue("op")).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw HeraldException.badRequest(code, label + ": op is create, put, patch or delete");
    }
    String field = op == Op.PATCH ? "patch" : "doc";
    Object content = w.getValue(field);
    if (op != Op.DELETE && !(content instanceof JsonObject)) {
      throw HeraldException.badRequest(code, label + ": " + field + " must be a JSON object");
    }
    if (!(w.getValue("collection") instanceof String collection)) {
      throw HeraldException.badRequest(code, label + ": collection must be a string");
    }
    Object id = w.getValue("id");
    if (op != Op.CREATE && !(id instanceof String)) {
      throw HeraldException.badRequest(code, label + ": id must be a string");
    }
    return new DocWrite(op, collection, op == Op.CREATE ? null : (String) id,
        op == Op.DELETE ? null : (JsonObject) content, parseIfMatch(w.getValue("ifMatch")));
  }

  /** An If-Match value: a rev (a whole number >= 0), bare or quoted as an ETag; null when absent. */
  static Long parseIfMatch(Object value) {
    if (value == null) {
      return null;
    }
    String text = value.toString().trim();
    if (text.length() > 2 && text.startsWith("\"") && text.endsWith("\"")) {
      text = text.substring(1, text.length() - 1);
    }
    try {
      long rev = Long.parseLong(text);
      if (rev >= 0) {
        return rev;
      }
    } catch (NumberFormatException e) {
      // the 400 below
    }
    throw HeraldException.badRequest("invalid_if_match", "If-Match is the rev a write expects (a whole number; 0: only if absent)");
  }
}
