package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What a change of identity means for a socket's subscriptions, when its token expires or
 * herald.auth replaces it: each subscription is held now by the socket's identity (or, if it was made
 * with a token of its own, by that token's), and by anonymous where that token expired; the
 * namespace rules (the bridge's check) decide again whether it may stay. Pure: the socket acts on the outcome.
 */
final class Recheck {

  /** What the socket does with each subscription whose identity changed. */
  interface Outcome {

    /** No longer allowed: the subscription ends, and the client is told why. */
    void ended(String channel, HeraldException why);

    /** Still allowed, now held by {@code s.who} instead of {@code before}. */
    void reidentified(String channel, Subscription s, Identity before);
  }

  private Recheck() {
  }

  /**
   * Checks each subscription whose identity changed, at {@code now} (epoch ms); {@code why} says
   * what changed the socket's identity. Returns the earliest exp among the identities that remain
   * (Long.MAX_VALUE: none expires), for the socket's place in the expiry order.
   */
  static long run(BiConsumer<Identity, String> checkSubscribe, Map<String, Subscription> subscriptions, Identity socketWho, String why, long now,
      Outcome outcome) {
    long earliest = socketWho.expiredAt(now) ? Long.MAX_VALUE : socketWho.expiresAtMillis();
    for (Map.Entry<String, Subscription> entry : List.copyOf(subscriptions.entrySet())) {
      String channel = entry.getKey();
      Subscription s = entry.getValue();
      Identity who = s.ownToken ? s.who : socketWho;
      boolean expired = who.expiredAt(now);
      if (expired) {
        who = Identity.ANONYMOUS; // it may stay on channels anyone may read
      }
      if (who != s.who) {
        try {
          checkSubscribe.accept(who, channel);
        } catch (HeraldException refused) {
          String reason = expired ? "the token expired" : why;
          outcome.ended(channel, new HeraldException(refused.status(), refused.code(), reason + "; " + refused.getMessage()));
          continue;
        }
        Identity before = s.who;
        s.who = who;
        outcome.reidentified(channel, s, before);
      }
      if (s.ownToken) {
        earliest = Math.min(earliest, s.who.expiresAtMillis());
      }
    }
    return earliest;
  }
}
