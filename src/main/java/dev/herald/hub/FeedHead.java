package dev.herald.hub;

import dev.herald.core.OnContext;
import dev.herald.hub.Resequencer.Released;
import dev.herald.journal.History;
import dev.herald.journal.HistoryPage;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel's head on one node: its frames in seq order, each once, and never stuck. The
 * {@link Resequencer} holds early arrivals; a gap that does not close by itself, and events the
 * consumer missed while other nodes learnt of it, are read from the journal; seqs that retention
 * trimmed before they got here are skipped, so the head always moves on. What it releases goes to
 * the feed, which delivers it. Runs on the hub's context only.
 */
final class FeedHead {

  private static final Logger LOG = LoggerFactory.getLogger(FeedHead.class);
  /** How long an out-of-order frame may wait for the missing ones before we read them from the journal. */
  static final long GAP_WAIT_MS = 100;
  /**
   * After the consumer registers, other nodes may take a moment to learn of it; events they commit
   * meanwhile are not sent here. Re-reading the head a little later closes that window.
   */
  static final long[] SETTLE_CHECKS_MS = {500, 2000, 5000};

  private final String channel;
  private final Vertx vertx;
  private final Context context;
  private final History journal;
  private final int pageSize;
  private final Consumer<Released<EncodedFrame>> deliver;
  private final Resequencer<EncodedFrame> order = new Resequencer<>();
  private boolean filling;
  private long gapTimer = -1;
  private boolean closed;

  FeedHead(String channel, Vertx vertx, Context context, History journal, int pageSize,
      Consumer<Released<EncodedFrame>> deliver) {
    this.channel = channel;
    this.vertx = vertx;
    this.context = context;
    this.journal = journal;
    this.pageSize = pageSize;
    this.deliver = deliver;
  }

  /** The last seq released, or -1 until the head is known. */
  long seq() {
    return order.head();
  }

  /** The head as read from the journal once the feed listens. */
  void start(long head) {
    release(order.start(head));
    for (long delay : SETTLE_CHECKS_MS) {
      vertx.setTimer(delay, t -> settleCheck());
    }
  }

  /** A frame from the cluster. */
  void arrived(long seq, EncodedFrame frame) {
    release(order.arrived(seq, frame));
  }

  void close() {
    closed = true;
    if (gapTimer >= 0) {
      vertx.cancelTimer(gapTimer);
    }
  }

  /** Hands on what the resequencer released and, when frames are held beyond a gap, gives the gap time to close. */
  private void release(Released<EncodedFrame> released) {
    deliver.accept(released);
    if (released.gapTo().isPresent() && gapTimer < 0 && !filling) {
      gapTimer = vertx.setTimer(GAP_WAIT_MS, t -> {
        gapTimer = -1;
        order.gapTo().ifPresent(this::fillTo);
      });
    }
  }

  /**
   * Reads the head from the journal and fills up to it: events committed that never reached this
   * node (the first moments of the consumer, or a node that died between its commit and its
   * broadcast) come from the journal instead.
   */
  void settleCheck() {
    if (!closed && !filling) {
      OnContext.resume(context, journal.head(channel)).onSuccess(h -> {
        if (h > order.head()) {
          fillTo(h);
        }
      });
    }
  }

  /**
   * Reads the events (head, target] from the journal and releases them in order. Seqs the read
   * shows trimmed are skipped, so the head always moves on; it reads again only from a new head.
   */
  private void fillTo(long target) {
    long head = order.head();
    if (filling || closed || target <= head) {
      return;
    }
    filling = true;
    int limit = (int) Math.min(pageSize, target - head);
    OnContext.resume(context, journal.read(channel, head, limit)).onComplete(ar -> {
      filling = false;
      if (ar.failed()) {
        LOG.warn("gap fill of {} failed; will retry on the next event", channel, ar.cause());
        return;
      }
      HistoryPage page = ar.result();
      release(order.filled(Sequenced.deliveries(page.events()), page.through(limit)));
      if (order.head() < target && order.head() > head) {
        context.runOnContext(v -> fillTo(target));
      }
    });
  }
}
