package dev.herald.core;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The rules of one channel namespace (the part of a channel name before the first ':').
 * The built-in namespaces {@code user} and {@code role} add a restriction no config can lift:
 * {@code user:{id}} belongs to the token whose sub is id, {@code role:{r}} to tokens holding role r.
 */
public final class Namespace {

  private final String name;
  private final AccessRule subscribe;
  private final AccessRule publish;
  private final long historyMaxEvents;
  private final Duration historyMaxAge;
  private final boolean presence;
  private final boolean typing;
  private final boolean viewers;
  private final NamespaceLimits limits;

  Namespace(String name, JsonObject conf) {
    this.name = name;
    String where = "namespaces." + (name.isEmpty() ? "default" : name);
    this.subscribe = AccessRule.parse(conf.getString("subscribe", "authenticated"), where + ".subscribe");
    this.publish = AccessRule.parse(conf.getString("publish", "nobody"), where + ".publish");
    JsonObject history = conf.getJsonObject("history", new JsonObject());
    this.historyMaxEvents = Long.parseLong(history.getValue("maxEvents", 1000).toString());
    this.historyMaxAge = parseDuration(history.getValue("maxAge", "7d").toString(), where + ".history.maxAge");
    this.presence = flag(conf, "presence");
    this.typing = flag(conf, "typing");
    this.viewers = flag(conf, "viewers");
    Object limitsConf = conf.getValue("limits", new JsonObject());
    if (!(limitsConf instanceof JsonObject limitsJson)) {
      throw new IllegalArgumentException(where + ".limits must be a map like {publish: {perUser: 100/60s}}");
    }
    this.limits = new NamespaceLimits(name, limitsJson, where + ".limits");
  }

  public String name() {
    return name;
  }

  public void checkSubscribe(Identity who, String channel) {
    checkOwnership(who, channel, "subscribe to");
    subscribe.check(who, channel, "subscribe to");
  }

  public void checkPublish(Identity who, String channel) {
    checkOwnership(who, channel, "publish to");
    publish.check(who, channel, "publish to");
  }

  public long historyMaxEvents() {
    return historyMaxEvents;
  }

  public Duration historyMaxAge() {
    return historyMaxAge;
  }

  /** The namespace's rate limits (with their node-local buckets). */
  public NamespaceLimits limits() {
    return limits;
  }

  /** Token holders who subscribe join the channel's presence (who is here). */
  public boolean presence() {
    return presence;
  }

  /** herald.typing is allowed on the namespace's channels. */
  public boolean typing() {
    return typing;
  }

  /** A coalesced count of subscribed sockets is broadcast on the namespace's channels. */
  public boolean viewers() {
    return viewers;
  }

  public void requirePresence(String channel) {
    require(presence, "presence", channel);
  }

  public void requireTyping(String channel) {
    require(typing, "typing", channel);
  }

  public void requireViewers(String channel) {
    require(viewers, "viewer counts", channel);
  }

  private void require(boolean enabled, String feature, String channel) {
    if (!enabled) {
      throw HeraldException.notFound(feature + " is not enabled for " + channel + " (namespace "
          + (name.isEmpty() ? "default" : name) + ")");
    }
  }

  private static boolean flag(JsonObject conf, String key) {
    return Boolean.parseBoolean(String.valueOf(conf.getValue(key, false)));
  }

  private void checkOwnership(Identity who, String channel, String action) {
    if (name.equals(Namespaces.INTERNAL)) {
      throw HeraldException.forbidden(channel + " is Herald's own change log of a collection; read the collection "
          + "through /api/v1/collections or a live query, or give the collection a channel in herald.yaml");
    }
    if (who.isServer() || !(name.equals("user") || name.equals("role"))) {
      return;
    }
    if (who.isAnonymous()) {
      throw HeraldException.unauthorized("a valid token is required to " + action + " " + channel);
    }
    String owner = ChannelName.local(channel);
    boolean owns = name.equals("user") ? owner.equals(who.subject()) : who.hasRole(owner);
    if (!owns) {
      throw HeraldException.forbidden(channel + " belongs to "
          + (name.equals("user") ? "user " : "role ") + owner + ", not to this token");
    }
  }

  /** Accepts "250ms", "30s", "15m", "24h", "7d" or a plain number of seconds. */
  public static Duration parseDuration(String text, String where) {
    String t = text.trim();
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      char unit = t.charAt(t.length() - 1);
      if (Character.isDigit(unit)) {
        return Duration.ofSeconds(Long.parseLong(t));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (unit) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new IllegalArgumentException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + ": '" + text + "' is not a duration like 250ms, 30s, 15m, 24h or 7d");
    }
  }
}
