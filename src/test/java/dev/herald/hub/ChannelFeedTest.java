package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.core.OnContext;
import dev.herald.journal.Event;
import dev.herald.journal.History;
import dev.herald.journal.HistoryPage;
import dev.herald.testing.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A channel feed over a journal stand-in that decides exactly what retention kept, and answers at
 * once, as pages already in {@link ReplayPages}' shared cache do: whatever was trimmed, a feed and
 * its subscriptions keep moving (no loop, no endless re-read, no deep recursion), and each
 * subscription is told with {@code history.truncated} where what it gets next starts.
 */
class ChannelFeedTest {

  private static final String CHANNEL = "market:feed";

  private final Vertx vertx = Vertx.vertx();
  private final Context hub = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** One channel's journal: the head, and the seqs retention kept, firstKept to the head. */
  static final class KeptHistory implements History {
    volatile long head;
    volatile long firstKept = 1;
    final AtomicInteger reads = new AtomicInteger();

    KeptHistory(long head) {
      this.head = head;
    }

    @Override
    public Future<HistoryPage> read(String channel, long since, int limit) {
      reads.incrementAndGet();
      List<Event> events = new ArrayList<>();
      for (long seq = Math.max(since + 1, firstKept); seq <= head && events.size() < limit; seq++) {
        events.add(event(seq));
      }
      return Future.succeededFuture(new HistoryPage(events, Math.min(firstKept, head + 1), head));
    }

    @Override
    public Future<Long> head(String channel) {
      return Future.succeededFuture(head);
    }
  }

  static Event event(long seq) {
    return new Event(CHANNEL, seq, "e" + seq, "tick", "{\"n\":" + seq + "}", Instant.now());
  }

  private ChannelFeed open(History history, int page) {
    return OnContext.call(hub, () -> Future.succeededFuture(new ChannelFeed(CHANNEL, vertx, hub, history, page, FeedMeters.of(new SimpleMeterRegistry()), () -> { })))
        .await();
  }

  private void subscribe(ChannelFeed feed, Subscriber subscriber, Long since) {
    OnContext.call(hub, () -> feed.add(subscriber, since)).await();
  }

  /** A live frame, as another node broadcasts it after commit. */
  private void live(long seq) {
    Hub.broadcast(vertx.eventBus(), List.of(event(seq)));
  }

  @Test
  void whenNothingAfterTheCursorIsKeptTheSubscriptionIsToldAndGoesLive() {
    KeptHistory history = new KeptHistory(10);
    history.firstKept = 11;
    ChannelFeed feed = open(history, ChannelFeed.PAGE);
    RecordingSubscriber resumed = new RecordingSubscriber();

    subscribe(feed, resumed, 3L);
    history.head = 11;
    live(11);

    Eventually.equal(resumed::received, List.of("truncated:11", "11"));
  }

  @Test
  void aResumeFromBeforeTheOldestKeptEventIsToldWhereHistoryStarts() {
    KeptHistory history = new KeptHistory(10);
    history.firstKept = 8;
    ChannelFeed feed = open(history, ChannelFeed.PAGE);
    RecordingSubscriber resumed = new RecordingSubscriber();
    RecordingSubscriber atTheOldest = new RecordingSubscriber();

    subscribe(feed, resumed, 0L);
    subscribe(feed, atTheOldest, 7L);
    history.head = 11;
    live(11);

    Eventually.equal(resumed::received, List.of("truncated:8", "8", "9", "10", "11"));
    Eventually.equal(atTheOldest::received, List.of("8", "9", "10", "11"));
  }

  @Test
  void aGapWhoseFirstSeqsWereTrimmedIsSkippedOnceAndLiveSubscribersAreTold() {
    KeptHistory history = new KeptHistory(5);
    ChannelFeed feed = open(history, ChannelFeed.PAGE);
    RecordingSubscriber live = new RecordingSubscriber();
    subscribe(feed, live, null);

    // 6 and 7 were committed (and their frames lost) and trimmed before the gap was filled
    history.head = 9;
    history.firstKept = 8;
    live(9);

    Eventually.equal(live::received, List.of("truncated:8", "8", "9"));
    int reads = history.reads.get();
    history.head = 10;
    live(10);
    Eventually.equal(live::received, List.of("truncated:8", "8", "9", "10"));
    assertThat(history.reads.get()).as("no read after the gap closed").isEqualTo(reads).isLessThan(5);
  }

  @Test
  void aGapNothingOfWhichIsKeptReleasesTheHeldFrames() {
    KeptHistory history = new KeptHistory(5);
    ChannelFeed feed = open(history, ChannelFeed.PAGE);
    RecordingSubscriber live = new RecordingSubscriber();
    subscribe(feed, live, null);

    history.head = 9;
    history.firstKept = 10; // 6 to 9 trimmed: only the live frame of 9 is left, held
    live(9);

    Eventually.equal(live::received, List.of("truncated:9", "9"));
    assertThat(history.reads.get()).isLessThan(5);
  }

  @Test
  void aCatchUpOfManyPagesAtHandDoesNotRecurse() {
    int events = 20_000;
    KeptHistory history = new KeptHistory(events);
    // pages of one event: as many pages as a catch-up of ten million events in pages of 500
    ChannelFeed feed = open(history, 1);
    RecordingSubscriber resumed = new RecordingSubscriber();

    subscribe(feed, resumed, 0L);
    Eventually.equal(resumed::count, events);
    history.head = events + 1;
    live(events + 1);
    Eventually.equal(resumed::last, String.valueOf(events + 1));
    assertThat(resumed.count()).isEqualTo(events + 1);
  }
}
