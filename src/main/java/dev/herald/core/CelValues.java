package dev.herald.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON values as CEL expects them: Long for integers, Double for decimals, plain maps and lists. */
public final class CelValues {

  private CelValues() {
  }

  public static Object of(Object value) {
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new LinkedHashMap<>();
      object.forEach(e -> map.put(e.getKey(), of(e.getValue())));
      return map;
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>();
      array.forEach(v -> list.add(of(v)));
      return list;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigDecimal || value instanceof BigInteger) {
      return ((Number) value).doubleValue(); // CEL has no decimals: compared as doubles
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value == null) {
      return com.google.protobuf.NullValue.NULL_VALUE;
    }
    return value;
  }

  /** A CEL result back as JSON: maps and lists as JsonObject and JsonArray, protobuf's null as null. */
  public static Object json(Object value) {
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
    return value instanceof com.google.protobuf.NullValue ? null : value;
  }
}
