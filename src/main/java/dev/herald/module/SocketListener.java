package dev.herald.module;

import dev.herald.core.Identity;
import io.vertx.core.json.JsonObject;

/**
 * A module's part in a bridge socket's life. For one socket, {@link #subscribed}, {@link #left},
 * {@link #closed}, {@link #identityChanged} and {@link #reidentified} are called in the order the
 * socket's frames came, never after {@link #closed}: a module may keep per-socket state (presence
 * entries) without a ghost left behind. Calls must be quick and never block; they may come from any
 * thread.
 *
 * <p>When a socket's identity expires or herald.auth replaces it, the bridge checks each
 * subscription against the namespace rules again: one no longer allowed ends with {@link #left};
 * one still allowed under the new identity gets {@link #reidentified}.
 */
public interface SocketListener {

  SocketListener NONE = new SocketListener() {
  };

  /**
   * Before a subscription is set up, on the socket's event loop: throw a {@code HeraldException}
   * to refuse it (bad headers, too many joins). The channel's subscribe rule has been checked.
   */
  default void subscribing(BridgeSession socket, Identity who, String channel, JsonObject headers) {
  }

  /** The subscription is in place (its replay queued ahead of live events). */
  default void subscribed(BridgeSession socket, Identity who, String channel, JsonObject headers) {
  }

  /** The socket unsubscribed from the channel. */
  default void left(BridgeSession socket, String channel) {
  }

  /** The socket closed; it left all its channels. */
  default void closed(BridgeSession socket) {
  }

  /**
   * The socket's identity is now {@code after}: its handshake token was verified, herald.auth
   * replaced it, or it expired ({@code after} is then anonymous).
   */
  default void identityChanged(BridgeSession socket, Identity before, Identity after) {
  }

  /**
   * A subscription stays, held now by {@code after} instead of {@code before} (herald.auth
   * replaced the socket's token, or a token expired on a channel anyone may read): what a module
   * keeps for the subscription (a presence entry) follows the new identity.
   */
  default void reidentified(BridgeSession socket, String channel, Identity before, Identity after) {
  }
}
