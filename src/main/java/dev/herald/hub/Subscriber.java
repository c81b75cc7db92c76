package dev.herald.hub;

import dev.herald.core.HeraldException;

/** A local socket as the hub sees it. Writes may come from the hub's thread. */
public interface Subscriber {

  /** Writes a complete bridge frame; the same instance goes to every local socket. */
  void write(EncodedFrame frame);

  /** True when the socket's outbound buffer is full: the hub stops writing live frames to it. */
  boolean writeQueueFull();

  /** Runs the action once, when the outbound buffer has room again. */
  void whenDrained(Runnable action);

  /** The hub gave up on this subscription (e.g. history unreachable); tell the client. */
  void subscriptionFailed(String channel, HeraldException error);
}
