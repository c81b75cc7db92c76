package dev.herald.hub;

import dev.herald.core.HeraldException;
import dev.herald.core.OnContext;
import dev.herald.journal.Event;
import dev.herald.journal.Journal;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel on one node: the cluster consumer, the node's contiguous head, and the local
 * subscriptions. Frames reach subscribers strictly in seq order: the {@link Resequencer} holds early
 * arrivals, and a gap that does not close by itself is filled from the journal. A
 * subscription that is behind (resuming, or its socket was too slow) reads the journal until it
 * reaches the head, then goes live. Runs on the hub's context only.
 */
final class ChannelFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelFeed.class);
  static final int PAGE = 500;
  /** How long an out-of-order frame may wait for the missing ones before we read them from the journal. */
  static final long GAP_WAIT_MS = 100;
  /**
   * After the consumer registers, other nodes may take a moment to learn of it; events they commit
   * meanwhile are not sent here. Re-reading the head a little later closes that window.
   */
  static final long[] SETTLE_CHECKS_MS = {500, 2000, 5000};

  private enum State { PENDING, CATCHING_UP, LIVE, LAGGING }

  private static final class Subscription {
    final Subscriber subscriber;
    long cursor;
    State state;
    long snapshotVersion = -1; // an aggregate nobody has touched yet is at version 0

    Subscription(Subscriber subscriber, long cursor, State state) {
      this.subscriber = subscriber;
      this.cursor = cursor;
      this.state = state;
    }
  }

  private final String channel;
  private final Vertx vertx;
  private final Context context;
  private final Journal journal;
  private final Runnable onEmpty;
  private final MessageConsumer<Buffer> consumer;
  private final Future<Void> ready;
  private final Map<Subscriber, Subscription> subscriptions = new LinkedHashMap<>();
  private final Resequencer<EncodedFrame> order = new Resequencer<>();
  private final LoopWrites writes = new LoopWrites();
  private final ReplayPages replay;
  private boolean filling;
  private long gapTimer = -1;
  private boolean closed;

  ChannelFeed(String channel, Vertx vertx, Context context, Journal journal, Runnable onEmpty) {
    this.channel = channel;
    this.vertx = vertx;
    this.context = context;
    this.journal = journal;
    this.onEmpty = onEmpty;
    this.replay = new ReplayPages(vertx, after -> here(journal.read(channel, after, PAGE)));
    this.consumer = vertx.eventBus().consumer(Hub.address(channel), msg -> onFrame(msg.body()));
    this.ready = here(consumer.completion().compose(v -> journal.head(channel))).map(h -> {
      deliver(order.start(h));
      for (long delay : SETTLE_CHECKS_MS) {
        vertx.setTimer(delay, t -> settleCheck());
      }
      return null;
    });
  }

  Future<Void> add(Subscriber subscriber, Long since) {
    Subscription s = new Subscription(subscriber, 0, State.PENDING);
    subscriptions.put(subscriber, s);
    return ready.transform(ar -> {
      if (subscriptions.get(subscriber) != s) {
        return Future.succeededFuture(); // unsubscribed while the feed was opening
      }
      if (ar.failed()) {
        remove(subscriber);
        return Future.failedFuture(HeraldException.unavailable(
            "cannot subscribe to " + channel + " right now: the event store or cluster is unreachable"));
      }
      s.cursor = since == null ? order.head() : Math.max(0, since);
      if (s.cursor < order.head()) {
        catchUp(s);
      } else {
        s.state = State.LIVE;
      }
      return Future.succeededFuture();
    });
  }

  int size() {
    return subscriptions.size();
  }

  int lagging() {
    return (int) subscriptions.values().stream().filter(s -> s.state == State.LAGGING).count();
  }

  void remove(Subscriber subscriber) {
    subscriptions.remove(subscriber);
    if (subscriptions.isEmpty() && !closed) {
      close();
      onEmpty.run();
    }
  }

  void close() {
    closed = true;
    consumer.unregister();
    if (gapTimer >= 0) {
      vertx.cancelTimer(gapTimer);
    }
  }

  private void onFrame(Buffer message) {
    long seq = message.getLong(0);
    EncodedFrame frame = EncodedFrame.ofUtf8(message.getBytes(8, message.length()));
    deliver(order.arrived(seq, frame));
  }

  /** Delivers what the resequencer released and, when frames are held beyond a gap, gives the gap time to close. */
  private void deliver(Resequencer.Released<EncodedFrame> released) {
    for (Sequenced<EncodedFrame> next : released.frames()) {
      deliver(next.seq(), next.frame());
    }
    if (released.gapTo().isPresent()) {
      scheduleGapFill();
    }
  }

  private void deliver(long seq, EncodedFrame frame) {
    for (Subscription s : subscriptions.values()) {
      if (s.state != State.LIVE || seq <= s.cursor) {
        continue;
      }
      if (seq > s.cursor + 1 || s.subscriber.writeQueueFull()) {
        // Slow socket (or a hole in its stream): stop writing live frames to it and let it catch up
        // from the journal once it drains. Other sockets are never held back by it.
        catchUpWhenDrained(s);
        continue;
      }
      writes.add(s.subscriber);
      s.cursor = seq;
    }
    writes.send(frame);
  }

  void deliverEphemeral(EncodedFrame frame) {
    for (Subscription s : subscriptions.values()) {
      if ((s.state == State.LIVE || s.state == State.CATCHING_UP) && !s.subscriber.writeQueueFull()) {
        writes.add(s.subscriber);
      }
    }
    writes.send(frame);
  }

  void deliverVersioned(long version, EncodedFrame frame) {
    for (Subscription s : subscriptions.values()) {
      if ((s.state == State.LIVE || s.state == State.CATCHING_UP) && version > s.snapshotVersion
          && !s.subscriber.writeQueueFull()) {
        writes.add(s.subscriber);
        s.snapshotVersion = version;
      }
    }
    writes.send(frame);
  }

  private void catchUp(Subscription s) {
    if (subscriptions.get(s.subscriber) != s) {
      return;
    }
    s.state = State.CATCHING_UP;
    replay.after(s.cursor).onComplete(ar -> {
      if (subscriptions.get(s.subscriber) != s) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("catch-up read of {} failed", channel, ar.cause());
        subscriptions.remove(s.subscriber);
        s.subscriber.subscriptionFailed(channel,
            HeraldException.unavailable("history of " + channel + " is unreachable; subscribe again with since=" + s.cursor));
        remove(s.subscriber);
        return;
      }
      List<Sequenced<EncodedFrame>> page = ar.result();
      List<EncodedFrame> frames = new ArrayList<>();
      for (Sequenced<EncodedFrame> e : page) {
        if (e.seq() > s.cursor) {
          frames.add(e.frame());
          s.cursor = e.seq();
        }
      }
      LoopWrites.send(s.subscriber, frames);
      boolean more = page.size() == PAGE || s.cursor < order.head();
      if (!more) {
        s.state = State.LIVE;
      } else if (s.subscriber.writeQueueFull()) {
        catchUpWhenDrained(s);
      } else {
        catchUp(s);
      }
    });
  }

  /**
   * The subscription is lagging: it reads the journal once its socket has drained. Always as a new
   * task on the hub's context, even when the socket has drained already: never inside the loop that
   * is delivering to every subscription.
   */
  private void catchUpWhenDrained(Subscription s) {
    s.state = State.LAGGING;
    s.subscriber.whenDrained(() -> context.runOnContext(v -> catchUp(s)));
  }

  private void scheduleGapFill() {
    if (gapTimer < 0 && !filling) {
      gapTimer = vertx.setTimer(GAP_WAIT_MS, t -> {
        gapTimer = -1;
        order.gapTo().ifPresent(this::fillTo);
      });
    }
  }

  private void settleCheck() {
    if (!closed && !filling) {
      here(journal.head(channel)).onSuccess(h -> {
        if (h > order.head()) {
          fillTo(h);
        }
      });
    }
  }

  /** Reads the events (head, target] from the journal and delivers them in order. */
  private void fillTo(long target) {
    long head = order.head();
    if (filling || closed || target <= head) {
      return;
    }
    filling = true;
    here(journal.read(channel, head, (int) Math.min(PAGE, target - head))).onComplete(ar -> {
      filling = false;
      if (ar.failed()) {
        LOG.warn("gap fill of {} failed; will retry on the next event", channel, ar.cause());
        return;
      }
      List<Event> events = ar.result().events();
      deliver(order.filled(Sequenced.deliveries(events)));
      if (order.head() < target && !events.isEmpty()) {
        fillTo(target);
      }
    });
  }

  /** Completes on the hub's context whatever context the source completes on. */
  private <T> Future<T> here(Future<T> source) {
    return OnContext.resume(context, source);
  }
}
