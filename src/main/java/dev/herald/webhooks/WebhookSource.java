package dev.herald.webhooks;

import dev.herald.core.Namespace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A webhook source from herald.yaml: how its deliveries prove who sent them (an HMAC-SHA256 of the
 * raw body, or a bearer secret), where the delivery id and timestamp are (the timestamp checked
 * only with {@code requireTimestamp}, within {@code maxSkew}, 5 minutes by default), and how a
 * delivery is routed. The secret never leaves this record but for the comparison (no toString of it).
 */
record WebhookSource(String name, Auth auth, byte[] secret, String signatureHeader, String deliveryHeader,
    String timestampHeader, Duration maxSkew, WebhookRouter router) {

  enum Auth { HMAC, BEARER }

  /** The sources that have a secret; one without is disabled (its URL answers 404 unknown_source). */
  static Map<String, WebhookSource> enabled(JsonObject webhooks) {
    Map<String, WebhookSource> sources = new LinkedHashMap<>();
    for (String name : webhooks.fieldNames()) {
      JsonObject conf = webhooks.getJsonObject(name);
      String where = "webhooks." + name;
      String secret = conf.getString("secret", "");
      if (secret.isBlank()) {
        continue;
      }
      Auth auth = switch (conf.getString("auth", "hmac")) {
        case "hmac" -> Auth.HMAC;
        case "bearer" -> Auth.BEARER;
        default -> throw new IllegalArgumentException(where + ".auth: hmac or bearer");
      };
      Duration skew = conf.getBoolean("requireTimestamp", false)
          ? Namespace.parseDuration(conf.getValue("maxSkew", "5m").toString(), where + ".maxSkew") : null;
      sources.put(name, new WebhookSource(name, auth, secret.getBytes(StandardCharsets.UTF_8),
          conf.getString("signatureHeader", "X-Signature"), conf.getString("deliveryHeader", "X-Delivery-Id"),
          conf.getString("timestampHeader", "X-Timestamp"),
          skew, router(conf, where)));
    }
    return sources;
  }

  private static WebhookRouter router(JsonObject conf, String where) {
    return switch (conf.getString("router", "rules")) {
      case "chainhook" -> new ChainhookRouter();
      case "rules" -> new RuleRouter(conf.getJsonArray("rules", new JsonArray()), where + ".rules");
      default -> throw new IllegalArgumentException(where + ".router: chainhook or rules");
    };
  }

  @Override
  public String toString() {
    return "WebhookSource[" + name + ", " + auth + "]";
  }
}
