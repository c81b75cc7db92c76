package dev.herald.hub;

import dev.herald.core.HeraldException;
import dev.herald.core.OnContext;
import dev.herald.journal.History;
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
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel on one node: the cluster consumer, the node's contiguous head ({@link FeedHead}), and
 * the local subscriptions. Frames reach subscribers strictly in seq order. A subscription that is
 * behind (resuming, or its socket was too slow) reads the journal until it reaches the head, then
 * goes live. Where retention trimmed events a subscription would have had next, it is told with a
 * {@code history.truncated} envelope and goes on: nothing waits for events that will never come.
 * Runs on the hub's context only.
 */
final class ChannelFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelFeed.class);
  static final int PAGE = 500;

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
  /** Events per journal read: {@link #PAGE}, or a few in tests that need many pages. */
  private final int pageSize;
  private final Context context;
  private final Runnable onEmpty;
  private final MessageConsumer<Buffer> consumer;
  private final Future<Void> ready;
  private final Map<Subscriber, Subscription> subscriptions = new LinkedHashMap<>();
  private final FeedHead head;
  private final FeedMeters meters;
  private final LoopWrites writes;
  private final ReplayPages replay;
  private boolean closed;

  ChannelFeed(String channel, Vertx vertx, Context context, History journal, int page, FeedMeters meters, Runnable onEmpty) {
    this.meters = meters;
    this.writes = new LoopWrites(meters.deliveries());
    this.channel = channel;
    this.pageSize = page;
    this.context = context;
    this.onEmpty = onEmpty;
    this.head = new FeedHead(channel, vertx, context, journal, page, this::deliver);
    this.replay = new ReplayPages(vertx, page, after -> here(journal.read(channel, after, page)));
    this.consumer = vertx.eventBus().consumer(Hub.address(channel), msg -> onFrame(msg.body()));
    this.ready = here(consumer.completion().compose(v -> journal.head(channel))).map(h -> {
      head.start(h);
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
      s.cursor = since == null ? head.seq() : Math.max(0, since);
      if (s.cursor < head.seq()) {
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

  /** Catches up with the journal's head (see {@link FeedHead#settleCheck}). */
  void recheckHead() {
    head.settleCheck();
  }

  void close() {
    closed = true;
    consumer.unregister();
    head.close();
  }

  private void onFrame(Buffer message) {
    long seq = message.getLong(0);
    long committedAt = message.getLong(Long.BYTES);
    EncodedFrame frame = EncodedFrame.ofUtf8(message.getBytes(2 * Long.BYTES, message.length()));
    head.arrived(seq, frame); // in order, it is handed to the sockets' loops before this returns
    meters.commitToDeliver().record(Math.max(0, System.currentTimeMillis() - committedAt), TimeUnit.MILLISECONDS);
  }

  /** Delivers what the head released, telling live subscriptions where it skipped trimmed seqs. */
  private void deliver(Resequencer.Released<EncodedFrame> released) {
    OptionalLong skip = released.firstKept();
    for (Sequenced<EncodedFrame> next : released.frames()) {
      if (skip.isPresent() && next.seq() >= skip.getAsLong()) {
        skipLive(skip.getAsLong());
        skip = OptionalLong.empty();
      }
      deliver(next.seq(), next.frame());
    }
    skip.ifPresent(this::skipLive);
  }

  /**
   * The feed's head went past seqs that retention trimmed before they reached this node: each live
   * subscription that had not passed them is told, and goes on from {@code firstKept}.
   */
  private void skipLive(long firstKept) {
    for (Subscription s : subscriptions.values()) {
      if (s.state != State.LIVE || s.cursor >= firstKept - 1) {
        continue;
      }
      if (s.subscriber.writeQueueFull()) {
        catchUpWhenDrained(s); // its catch-up finds the same and tells it then
        continue;
      }
      writes.add(s.subscriber);
      s.cursor = firstKept - 1;
    }
    writes.send(Frames.truncated(channel, firstKept));
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
      ReplayPages.Page page = ar.result();
      List<EncodedFrame> frames = new ArrayList<>();
      for (Sequenced<EncodedFrame> e : page.frames()) {
        if (e.seq() > s.cursor) {
          skipTo(s, e.seq(), frames);
          frames.add(e.frame());
          s.cursor = e.seq();
        }
      }
      skipTo(s, page.through() + 1, frames);
      writes.send(s.subscriber, frames);
      boolean more = page.frames().size() == pageSize || s.cursor < head.seq();
      if (!more) {
        s.state = State.LIVE;
      } else if (s.subscriber.writeQueueFull()) {
        catchUpWhenDrained(s);
      } else {
        // as a new task: a page at hand (shared, or read already) completes at once, and a catch-up
        // of many pages must not grow the stack by one call per page
        context.runOnContext(v -> catchUp(s));
      }
    });
  }

  /**
   * The events from the subscription's cursor up to {@code firstKept} (excluded) are no longer stored:
   * the subscriber is told before the first kept event it gets, and its cursor moves on.
   */
  private void skipTo(Subscription s, long firstKept, List<EncodedFrame> frames) {
    if (firstKept > s.cursor + 1) {
      frames.add(Frames.truncated(channel, firstKept));
      s.cursor = firstKept - 1;
    }
  }

  /**
   * The subscription is lagging: it reads the journal once its socket has drained. Always as a new
   * task on the hub's context, even when the socket has drained already: never inside the loop that
   * is delivering to every subscription.
   */
  private void catchUpWhenDrained(Subscription s) {
    meters.slowConsumers().increment();
    s.state = State.LAGGING;
    s.subscriber.whenDrained(() -> context.runOnContext(v -> catchUp(s)));
  }

  /** Completes on the hub's context whatever context the source completes on. */
  private <T> Future<T> here(Future<T> source) {
    return OnContext.resume(context, source);
  }
}
