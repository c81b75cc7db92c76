package dev.herald.bridge;

import java.util.ArrayList;
import java.util.List;

/**
 * How far behind a socket is, by the bytes its transport holds that have not reached the network,
 * plus whatever queue its transport keeps itself (each transport counts them: {@link
 * BridgeConnection#slow()}). From {@link #SLOW_BYTES} on the socket counts as slow; once back to
 * {@link #DRAINED_BYTES} the waiting actions run. (Vert.x's own writeQueueFull for writes from
 * another thread trips after a handful of messages, whatever their size, which would call ordinary
 * bursts "slow".) One per socket, so it holds, only while something waits for a drain, a list.
 */
final class Backlog {

  static final long SLOW_BYTES = 1 << 20;
  static final long DRAINED_BYTES = 256 << 10;

  private final BridgeConnection transport;
  /** Actions waiting for the drain; null when none (guarded by this). */
  private List<Runnable> drainActions;
  private volatile boolean waiting;

  Backlog(BridgeConnection transport) {
    this.transport = transport;
  }

  boolean full() {
    return transport.slow();
  }

  /** Runs the action once the socket has drained; at once if it already has. */
  void whenDrained(Runnable action) {
    synchronized (this) {
      if (drainActions == null) {
        drainActions = new ArrayList<>(2);
      }
      drainActions.add(action);
      waiting = true;
    }
    check();
  }

  /** Re-evaluates after a write completed or the transport drained; each action runs exactly once. */
  void check() {
    if (!waiting || !transport.drained()) {
      return;
    }
    List<Runnable> actions;
    synchronized (this) {
      actions = drainActions;
      drainActions = null;
      waiting = false;
    }
    if (actions != null) {
      actions.forEach(Runnable::run);
    }
  }
}
