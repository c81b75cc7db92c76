package dev.herald.core;

import io.vertx.core.json.JsonObject;

/**
 * A namespace's rate limits, from {@code namespaces.<ns>.limits} (each off unless configured):
 * publishes per user and by API keys, registers per socket and per user. Counted on this node
 * only. Per user means per token subject; anonymous callers have no user to be counted by and are
 * held to the per-socket limits only. API-key callers are servers: user limits never apply to them.
 */
public final class NamespaceLimits {

  private final String channels;
  private final UserBuckets publishPerUser;
  /** Every API key's publishes together (an API-key identity does not say which key it holds). */
  private final RateLimiter publishByApiKeys;
  private final Rate publishByApiKeysRate;
  private final Rate subscribePerSocket;
  private final UserBuckets subscribePerUser;

  NamespaceLimits(String namespace, JsonObject conf, String where) {
    this.channels = namespace.isEmpty() ? "channels without a namespace" : namespace + " channels";
    JsonObject publish = section(conf, "publish", where);
    JsonObject subscribe = section(conf, "subscribe", where);
    this.publishPerUser = buckets(Rate.parse(publish.getValue("perUser"), where + ".publish.perUser"));
    this.publishByApiKeysRate = Rate.parse(publish.getValue("apiKeys"), where + ".publish.apiKeys");
    this.publishByApiKeys = publishByApiKeysRate == null ? null : new RateLimiter(publishByApiKeysRate);
    this.subscribePerSocket = Rate.parse(subscribe.getValue("perSocket"), where + ".subscribe.perSocket");
    this.subscribePerUser = buckets(Rate.parse(subscribe.getValue("perUser"), where + ".subscribe.perUser"));
  }

  /** Counts one publish to a channel of the namespace, or throws a 429 saying when to retry. */
  public void takePublish(Identity who) {
    if (who.isServer()) {
      if (publishByApiKeys != null) {
        long wait = publishByApiKeys.tryTake();
        if (wait > 0) {
          throw RateLimiter.limited("too many publishes to " + channels + " by API keys (at most "
              + publishByApiKeysRate + ")", wait);
        }
      }
    } else {
      take(publishPerUser, who, "publishes to");
    }
  }

  /** Counts one register of a user to a channel of the namespace (the per-user part), or throws a 429. */
  public void takeSubscribe(Identity who) {
    if (!who.isServer()) {
      take(subscribePerUser, who, "subscriptions to");
    }
  }

  /** Registers a socket may make to the namespace's channels (its sockets keep the buckets); null: no limit. */
  public Rate subscribePerSocket() {
    return subscribePerSocket;
  }

  /** The 429 for a socket over {@link #subscribePerSocket()}. */
  public HeraldException tooManySubscribes(long waitNanos) {
    return RateLimiter.limited("too many subscriptions to " + channels + " (at most " + subscribePerSocket + " per socket)",
        waitNanos);
  }

  private void take(UserBuckets buckets, Identity who, String action) {
    String user = who.subject();
    if (buckets == null || user == null) {
      return;
    }
    long wait = buckets.tryTake(user);
    if (wait > 0) {
      throw RateLimiter.limited("too many " + action + " " + channels + " (at most " + buckets.rate() + " per user)", wait);
    }
  }

  private static UserBuckets buckets(Rate rate) {
    return rate == null ? null : new UserBuckets(rate);
  }

  private static JsonObject section(JsonObject conf, String key, String where) {
    Object value = conf.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject section)) {
      throw new IllegalArgumentException(where + "." + key + " must be a map like {perUser: 100/60s}");
    }
    return section;
  }
}
