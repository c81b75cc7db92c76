package dev.herald.module;

import java.util.function.Supplier;

/** A bridge socket as modules see it. */
public interface BridgeSession {

  /** The socket's id, unique on this node (presence counts sockets by it). */
  String id();

  /** Whether the socket holds a subscription to the channel (registered, not since left or ended). */
  boolean subscribedTo(String channel);

  /**
   * Per-socket state a module keeps (a rate limiter, say), made on first use: most sockets never
   * need any, and a node holds tens of thousands of sockets. {@code key} tells modules' states
   * apart: use a constant of your own.
   */
  <T> T attachment(Object key, Supplier<T> create);
}
