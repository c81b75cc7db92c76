package dev.herald.bridge;

import io.vertx.core.Vertx;
import java.util.Comparator;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * When the identities sockets hold expire, for the whole node: sockets ordered by the earliest exp
 * among their identities (the socket's own and its subscriptions' tokens), and one timer that
 * hands each socket whose time has come back to it, once a second. A timer per socket would cost
 * every token holder a scheduled task; this costs a sorted entry, only for sockets whose tokens
 * expire, and a look at the head of the set each second.
 */
final class ExpirySweep {

  static final long PERIOD_MS = 1000;

  /** A socket's next expiry, in epoch ms (JWT exp is wall-clock time). */
  record Due(long at, BridgeSocket socket) {
  }

  private final ConcurrentSkipListSet<Due> queue = new ConcurrentSkipListSet<>(
      Comparator.comparingLong(Due::at).thenComparingLong(d -> d.socket().serial()));
  private boolean started;

  /** Starts the node's timer (once, whoever asks first: every gateway instance mounts the bridge). */
  synchronized void start(Vertx vertx) {
    if (!started) {
      started = true;
      vertx.setPeriodic(PERIOD_MS, t -> sweep(System.currentTimeMillis()));
    }
  }

  /**
   * Moves the socket's entry from {@code previous} (null: none) to {@code at} (Long.MAX_VALUE: none)
   * and returns the new entry, for the socket to keep. The socket calls this under its own lock.
   */
  Due reschedule(Due previous, BridgeSocket socket, long at) {
    if (previous != null) {
      queue.remove(previous);
    }
    if (at == Long.MAX_VALUE) {
      return null;
    }
    Due next = new Due(at, socket);
    queue.add(next);
    return next;
  }

  /** Every socket whose earliest expiry has come checks its identities again, on its own event loop. */
  void sweep(long now) {
    for (Due due : queue) { // ascending
      if (due.at() > now) {
        return;
      }
      if (queue.remove(due)) { // else the socket rescheduled meanwhile
        due.socket().expire();
      }
    }
  }
}
