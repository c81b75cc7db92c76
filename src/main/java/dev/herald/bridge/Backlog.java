package dev.herald.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * How far behind a socket is: the bytes of deliveries handed to it whose write has not completed
 * (not yet flushed to the network), plus whatever queue its transport keeps itself. Above
 * {@link #SLOW_BYTES} the socket counts as slow; once back under {@link #DRAINED_BYTES} the waiting
 * actions run. (Vert.x's own writeQueueFull for writes from another thread trips after a handful of
 * messages, whatever their size, which would call ordinary bursts "slow".)
 */
final class Backlog {

  static final long SLOW_BYTES = 1 << 20;
  static final long DRAINED_BYTES = 256 << 10;

  private final AtomicLong pending = new AtomicLong();
  private final BooleanSupplier transportFull;
  private final List<Runnable> drainActions = new ArrayList<>();
  private volatile boolean waiting;

  Backlog(BooleanSupplier transportFull) {
    this.transportFull = transportFull;
  }

  /** A delivery of this size was handed to the socket; call {@link #written} once it went out (or failed). */
  void add(long bytes) {
    pending.addAndGet(bytes);
  }

  void written(long bytes) {
    pending.addAndGet(-bytes);
    if (waiting) {
      check();
    }
  }

  boolean full() {
    return pending.get() >= SLOW_BYTES || transportFull();
  }

  /** A transport that closed meanwhile may throw instead of answering: it is not full then. */
  private boolean transportFull() {
    try {
      return transportFull.getAsBoolean();
    } catch (RuntimeException closed) {
      return false;
    }
  }

  /** Runs the action once the socket has drained; at once if it already has. */
  void whenDrained(Runnable action) {
    synchronized (drainActions) {
      drainActions.add(action);
      waiting = true;
    }
    check();
  }

  /** Re-evaluates after a write completed or the transport drained; each action runs exactly once. */
  void check() {
    if (pending.get() > DRAINED_BYTES || transportFull()) {
      return;
    }
    List<Runnable> actions;
    synchronized (drainActions) {
      actions = List.copyOf(drainActions);
      drainActions.clear();
      waiting = false;
    }
    actions.forEach(Runnable::run);
  }
}
