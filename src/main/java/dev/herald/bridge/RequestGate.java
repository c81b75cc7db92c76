package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Namespace;
import dev.herald.core.Rate;
import dev.herald.core.RateLimiter;
import dev.herald.core.UserBuckets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * What one socket may ask of the node: its requests in flight (capped: each may hold a database
 * query or a reply being built), its token buckets for inbound frames and for registers per
 * namespace, and the 429s it earned (one more than the violations rate allows makes it abusive).
 * A socket makes its gate with its first request, so idle sockets carry none. Any thread may call:
 * requests end wherever their service answers.
 */
final class RequestGate {

  private static final AtomicIntegerFieldUpdater<RequestGate> IN_FLIGHT =
      AtomicIntegerFieldUpdater.newUpdater(RequestGate.class, "inFlight");

  private final BridgeLimits limits;
  private volatile int inFlight;
  /** Buckets made on first use; guarded by this. */
  private RateLimiter frames;
  private RateLimiter violations;
  private Map<Namespace, RateLimiter> subscribes;

  RequestGate(BridgeLimits limits) {
    this.limits = limits;
  }

  /** Whether one more request may start; if so, {@link #done()} must follow once it is answered. */
  boolean enter() {
    if (IN_FLIGHT.incrementAndGet(this) > limits.requestsInFlight()) {
      IN_FLIGHT.decrementAndGet(this);
      return false;
    }
    return true;
  }

  void done() {
    IN_FLIGHT.decrementAndGet(this);
  }

  HeraldException tooManyRequests() {
    return new HeraldException(429, "too_many_requests", "at most " + limits.requestsInFlight()
        + " requests may wait for their answer on one socket; wait for replies before sending more");
  }

  /** Counts an inbound frame against the socket's and its user's frame rates, or throws a 429. */
  void takeFrame(String user, UserBuckets framesByUser) {
    Rate perSocket = limits.framesPerSocket();
    if (perSocket != null) {
      long wait;
      synchronized (this) {
        if (frames == null) {
          frames = new RateLimiter(perSocket);
        }
        wait = frames.tryTake();
      }
      if (wait > 0) {
        throw RateLimiter.limited("too many frames (at most " + perSocket + " per socket)", wait);
      }
    }
    if (framesByUser != null && user != null) {
      long wait = framesByUser.tryTake(user);
      if (wait > 0) {
        throw RateLimiter.limited("too many frames (at most " + framesByUser.rate() + " per user)", wait);
      }
    }
  }

  /** Counts a register to one of the namespace's channels against the socket's bucket for it, or throws a 429. */
  void takeSubscribe(Namespace namespace) {
    Rate rate = namespace.limits().subscribePerSocket();
    if (rate == null) {
      return;
    }
    long wait;
    synchronized (this) {
      if (subscribes == null) {
        subscribes = new HashMap<>(2);
      }
      wait = subscribes.computeIfAbsent(namespace, ns -> new RateLimiter(rate)).tryTake();
    }
    if (wait > 0) {
      throw namespace.limits().tooManySubscribes(wait);
    }
  }

  /** Counts a 429 sent to the socket; true when it has earned more than the violations rate allows. */
  boolean violated() {
    Rate rate = limits.violations();
    if (rate == null) {
      return false;
    }
    synchronized (this) {
      if (violations == null) {
        violations = new RateLimiter(rate);
      }
      return violations.tryTake() > 0;
    }
  }
}
