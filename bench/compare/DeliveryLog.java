import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What one storm client received, event by event (written from its event loop only). Events are
 * numbered by the publisher's schedule: event k was scheduled at start + k x interval, the time it
 * carries as "t". Herald deliveries also carry the channel's seq: the last one seen is the resume
 * point, and a seq that skips or repeats is counted. The arrival time of each event is kept: the
 * client has caught up once it has resubscribed and holds every accepted event scheduled before
 * that ({@link #caughtUpAt}, worked out at the end). While the run goes on, the coordinator
 * watches a simpler sign: holding every event accepted before the stop ({@link #heldPreStopAt}).
 */
final class DeliveryLog {

  private static final byte[] SEQ = Frames.ascii("\"seq\":");

  private final long start;
  private final double interval;
  final BitSet received = new BitSet();
  private long[] arrivals = new long[256];
  long deliveries;
  long duplicates;
  long lastSeq;
  long seqGaps;
  /** The first seq gap this client saw: last seq before, first after, when (nanoTime), and whether it was the first delivery after a resubscription. */
  long[] firstGap;
  long seqRepeats;
  long drops;
  long attempts;
  long resubscribedAt = -1;
  long heldPreStopAt = -1;
  private boolean dropped;
  private boolean firstAfterResubscribe;
  private BitSet mustHave;
  private int missingFrom;

  DeliveryLog(long start, double interval) {
    this.start = start;
    this.interval = interval;
  }

  int index(long sentAt) {
    return (int) Math.round((sentAt - start) / interval);
  }

  void delivered(long sentAt, Buffer frame) {
    deliveries++;
    if (sentAt >= start) {
      int k = index(sentAt);
      if (received.get(k)) {
        duplicates++;
      } else {
        if (k >= arrivals.length) {
          arrivals = Arrays.copyOf(arrivals, Math.max(k + 1, 2 * arrivals.length));
        }
        arrivals[k] = System.nanoTime();
      }
      received.set(k);
    }
    long seq = Frames.number(frame, SEQ);
    if (seq > 0) {
      if (seq > lastSeq + 1) {
        seqGaps++;
        if (firstGap == null) {
          firstGap = new long[] {lastSeq, seq, System.nanoTime(), firstAfterResubscribe ? 1 : 0};
        }
      } else if (seq <= lastSeq) {
        seqRepeats++;
      }
      lastSeq = Math.max(lastSeq, seq);
    }
    firstAfterResubscribe = false;
    checkCaughtUp();
  }

  /** The connection went away (the server stopped): from now on it has to resubscribe to catch up. */
  void dropped() {
    drops++;
    dropped = true;
    resubscribedAt = -1;
  }

  void subscribed() {
    if (dropped && resubscribedAt < 0) {
      resubscribedAt = System.nanoTime();
      firstAfterResubscribe = true;
      checkCaughtUp();
    }
  }

  /** The events accepted before the kill: the client is caught up once it holds every one of them. */
  void mustHave(BitSet events) {
    mustHave = events;
    missingFrom = 0;
    checkCaughtUp();
  }

  private void checkCaughtUp() {
    if (heldPreStopAt >= 0 || mustHave == null || resubscribedAt < 0) {
      return;
    }
    int k = mustHave.nextSetBit(missingFrom);
    while (k >= 0 && received.get(k)) {
      k = mustHave.nextSetBit(k + 1);
    }
    if (k < 0) {
      heldPreStopAt = System.nanoTime();
    } else {
      missingFrom = k;
    }
  }

  /**
   * When this client had resubscribed and held every accepted event scheduled before it
   * resubscribed (what it missed while away, replayed or not), or -1 if one never came.
   */
  long caughtUpAt(BitSet accepted) {
    if (resubscribedAt < 0) {
      return -1;
    }
    long at = resubscribedAt;
    for (int k = accepted.nextSetBit(0); k >= 0 && start + k * interval < resubscribedAt; k = accepted.nextSetBit(k + 1)) {
      if (!received.get(k)) {
        return -1;
      }
      at = Math.max(at, arrivals[k]);
    }
    return at;
  }

  /** Accepted events this client never received. */
  int lost(BitSet accepted) {
    BitSet missing = (BitSet) accepted.clone();
    missing.andNot(received);
    return missing.cardinality();
  }
}
