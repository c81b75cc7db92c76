package dev.herald.aggregate;

import com.google.common.primitives.UnsignedLong;
import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event as an aggregate's CEL expressions see it ({@code data}, {@code type}, {@code channel},
 * {@code id}), or one document ({@code doc}), and their results back as exact JSON values.
 *
 * <p>CEL computes in int64 and double only, so each decimal of the data goes in as a double of its
 * own (a fresh Double object) and is remembered: a result that is one of them (data.amount, a list
 * element, either branch of a condition: CEL hands the object through) comes back as the exact
 * decimal the publisher wrote; only what CEL itself computed (data.price * data.qty) is a double.
 *
 * <p>The event is checked on the way in, for what an aggregate must be able to keep (jsonb holds the
 * envelope and last() values): numbers within {@link Decimal#BOUND}, strings and keys (type and id
 * too) without U+0000 or unpaired surrogates. A refusal is a 400 naming the place in the event.
 */
final class CelInput {

  private final String aggregate;
  /** The error code of a refusal: the input is an event or a document. */
  private final String code;
  private final Map<Object, Decimal> exact = new IdentityHashMap<>();
  private Map<String, Object> vars;

  private CelInput(String aggregate, String code) {
    this.aggregate = aggregate;
    this.code = code;
  }

  static CelInput of(String aggregate, String channel, String type, String id, String dataJson) {
    CelInput input = new CelInput(aggregate, "invalid_event");
    input.checkText(type, "type"); // the envelope, type and id included, is kept as jsonb (lastEvent)
    input.checkText(id, "id");
    Object data;
    try {
      data = dataJson == null ? null : ExactJson.decode(dataJson);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw input.refused("data is not JSON aggregate " + aggregate + " can read");
    }
    input.vars = Map.of("data", input.cel(data, "data"), "type", type, "channel", channel, "id", id);
    return input;
  }

  /** A document (read exactly, see {@link ExactJson}) as an aggregate over its collection sees it: {@code doc}. */
  static CelInput ofDocument(String aggregate, JsonObject doc) {
    CelInput input = new CelInput(aggregate, "invalid_document");
    input.vars = Map.of("doc", input.cel(doc, "doc"));
    return input;
  }

  Map<String, Object> vars() {
    return vars;
  }

  /** A CEL result as JSON: maps and lists, null for protobuf's null, exact numbers where the data gave them. */
  Object json(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject json = new JsonObject();
      map.forEach((k, v) -> json.put(String.valueOf(k), json(v)));
      return json;
    }
    if (value instanceof List<?> list) {
      JsonArray json = new JsonArray();
      list.forEach(v -> json.add(json(v)));
      return json;
    }
    if (value instanceof com.google.protobuf.NullValue) {
      return null;
    }
    if (value instanceof UnsignedLong u) {
      return Decimal.json(new BigDecimal(u.bigIntegerValue()));
    }
    if (value instanceof Double d) {
      Decimal given = exact.get(d);
      return given != null ? given : Double.isFinite(d) ? Decimal.json(Decimal.of(d)) : d;
    }
    return value;
  }

  HeraldException refused(String why) {
    return HeraldException.badRequest(code, why);
  }

  /** The data as CEL takes it, checked: Long for whole numbers, a remembered Double for the others. */
  private Object cel(Object value, String path) {
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new LinkedHashMap<>();
      object.forEach(e -> {
        checkText(e.getKey(), path + " (a key)");
        map.put(e.getKey(), cel(e.getValue(), path + "." + e.getKey()));
      });
      return map;
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        list.add(cel(array.getValue(i), path + "[" + i + "]"));
      }
      return list;
    }
    if (value instanceof Decimal d) {
      if (!Decimal.keepable(Decimal.of(d))) {
        throw refused(path + " is out of range for aggregate " + aggregate + ": " + Decimal.BOUND);
      }
      Double stand = Double.valueOf(d.doubleValue()); // not cached (unlike Long.valueOf): its identity names d
      exact.put(stand, d);
      return stand;
    }
    if (value instanceof String s) {
      checkText(s, path);
      return s;
    }
    if (value == null) {
      return com.google.protobuf.NullValue.NULL_VALUE;
    }
    return value;
  }

  private void checkText(String s, String path) {
    String problem = StorableText.problem(s);
    if (problem != null) {
      throw refused(path + " " + problem + ", which aggregate " + aggregate + " cannot store");
    }
  }
}
