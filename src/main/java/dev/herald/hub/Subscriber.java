package dev.herald.hub;

import dev.herald.core.HeraldException;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Context;

/**
 * A local socket as the hub sees it. Calls come from the hub's thread and must never throw: the hub
 * writes one frame to many subscribers in a loop, and one closed socket must not cost the others.
 */
public interface Subscriber {

  /**
   * The context whose thread owns the socket: the hub makes its writes from there, one task per
   * event loop for all the sockets it owns. Null: the hub writes from its own thread.
   */
  Context context();

  /** Writes a complete bridge frame; the same instance goes to every local socket. */
  void write(EncodedFrame frame);

  /** True when the socket's outbound buffer is full: the hub stops writing live frames to it. */
  boolean writeQueueFull();

  /** Runs the action once, when the outbound buffer has room again. */
  void whenDrained(Runnable action);

  /** The hub gave up on this subscription (e.g. history unreachable); tell the client. */
  void subscriptionFailed(String channel, HeraldException error);
}
