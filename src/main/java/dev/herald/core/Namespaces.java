package dev.herald.core;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/** All namespaces from config; a namespace not listed follows the {@code default} entry. */
public final class Namespaces {

  /**
   * The change logs of document collections ({@code doclog:{collection}}): Herald writes them, and
   * nobody publishes to or reads them as channels, API keys included. Only their history retention
   * may be configured ({@code namespaces.doclog.history}; by default 10,000 changes or 7 days per
   * collection: a live query resuming from further back gets a fresh snapshot).
   */
  public static final String INTERNAL = "doclog";
  /** The type of every event on a change log: data {id, before, after}. */
  public static final String CHANGE_TYPE = "change";

  /** The change log of a document collection. */
  public static String changeLog(String collection) {
    return INTERNAL + ":" + collection;
  }

  private final Map<String, Namespace> byName = new HashMap<>();
  private final Namespace fallback;

  public Namespaces(JsonObject conf) {
    JsonObject defaults = conf.getJsonObject("default", new JsonObject());
    this.fallback = new Namespace("", defaults);
    for (String name : conf.fieldNames()) {
      if (!name.equals("default")) {
        byName.put(name, new Namespace(name, defaults.copy().mergeIn(conf.getJsonObject(name), true)));
      }
    }
    JsonObject logHistory = conf.getJsonObject(INTERNAL, new JsonObject())
        .getJsonObject("history", new JsonObject().put("maxEvents", 10_000).put("maxAge", "7d"));
    byName.put(INTERNAL, new Namespace(INTERNAL, new JsonObject().put("subscribe", "nobody").put("history", logHistory)));
    // user: and role: keep their ownership rule even when config does not list them
    for (String builtIn : new String[] {"user", "role"}) {
      byName.computeIfAbsent(builtIn, n -> new Namespace(n, defaults.copy()));
    }
  }

  public Namespace of(String channel) {
    String ns = ChannelName.namespace(channel);
    return byName.getOrDefault(ns, fallback);
  }

  /** Whether {@code who} may subscribe to (and read) the channel: a 400 for a bad name, 401/403 when not allowed. */
  public void checkSubscribe(Identity who, String channel) {
    of(ChannelName.require(channel)).checkSubscribe(who, channel);
  }

  public Iterable<Namespace> configured() {
    return byName.values();
  }

  public Namespace fallback() {
    return fallback;
  }
}
