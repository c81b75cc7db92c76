package dev.herald.module;

import dev.herald.core.Identity;
import io.vertx.core.json.JsonObject;

/**
 * A module's part in a bridge socket's life. For one socket, {@link #subscribed}, {@link #left},
 * {@link #closed} and {@link #identityChanged} are called in the order the socket's frames came,
 * never after {@link #closed}: a module may keep per-socket state (presence entries) without a
 * ghost left behind. Calls must be quick and never block; they may come from any thread.
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

  /** The socket's identity is now {@code after}: its handshake token was verified, or herald.auth replaced it. */
  default void identityChanged(BridgeSession socket, Identity before, Identity after) {
  }
}
