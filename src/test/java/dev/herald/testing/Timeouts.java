package dev.herald.testing;

import java.time.Duration;

/**
 * How long tests wait for what they expect, in one place. A wait that runs out fails the test, so
 * these bound how slow a machine may be, not how fast Herald must be: tests that assert a bound
 * name it themselves.
 */
public final class Timeouts {

  /** An answer from the node a client talks to: an ack, a reply, a delivery, a pong, a close. */
  public static final Duration FRAME = Duration.ofSeconds(15);
  /** A state to settle: what {@link Eventually} polls for, and deliveries that cross a cluster. */
  public static final Duration SETTLE = Duration.ofSeconds(30);

  private Timeouts() {
  }
}
