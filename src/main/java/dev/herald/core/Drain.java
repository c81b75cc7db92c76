package dev.herald.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's graceful stop, as the HTTP side sees it: once begun, readiness fails and new requests
 * are turned away (503 with Retry-After, so a proxy or client goes to another node) while the REST
 * requests already taken finish; the node closes when none is left or its time is up.
 */
public final class Drain {

  private volatile boolean draining;
  private final AtomicInteger inFlight = new AtomicInteger();

  public boolean draining() {
    return draining;
  }

  public void begin() {
    draining = true;
  }

  /** A REST request taken: counted until its response ends ({@link #finished}). */
  public void started() {
    inFlight.incrementAndGet();
  }

  public void finished() {
    inFlight.decrementAndGet();
  }

  /** Waits (on a plain thread) until no REST request is in flight or the deadline passes; whether none is left. */
  public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
    while (inFlight.get() > 0) {
      if (System.nanoTime() > deadlineNanos) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** What a request that comes while draining is told. */
  public static HeraldException refusal() {
    return HeraldException.unavailable("this node is shutting down; try again (another node, or this one once restarted)");
  }
}
