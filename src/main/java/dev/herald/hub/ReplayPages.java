package dev.herald.hub;

import dev.herald.journal.HistoryPage;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Journal pages read to bring subscriptions up to date, shared. Subscriptions that resume from the
 * same seq at about the same time (a reconnect storm after a node restart: thousands of clients
 * whose last seq is the same) get one read and the same encoded frames, instead of a read, a JSON
 * encoding and a frame per socket. A page serves for {@link #KEEP_MS} after it arrived; a failed
 * read serves nobody else, nor does one that found nothing after its seq (whoever asks again
 * does so because newer events were committed since). A page at hand completes at once: callers
 * must not loop on it synchronously. One per channel feed, used on the hub's context only.
 */
final class ReplayPages {

  static final long KEEP_MS = 2000;

  /**
   * Stored events after a seq as the frames that deliver them, and the seq up to which the page
   * holds every event still stored ({@link HistoryPage#through}): what it lacks up to there is trimmed.
   */
  record Page(List<Sequenced<EncodedFrame>> frames, long through) {
  }

  private final Vertx vertx;
  private final int limit;
  private final LongFunction<Future<HistoryPage>> read;
  private final Map<Long, Future<Page>> pages = new HashMap<>();

  /** {@code read} reads the page of {@code limit} events after a seq and completes on the hub's context. */
  ReplayPages(Vertx vertx, int limit, LongFunction<Future<HistoryPage>> read) {
    this.vertx = vertx;
    this.limit = limit;
    this.read = read;
  }

  /** The stored events after {@code seq} (a page of them), read once for everyone who asks meanwhile. */
  Future<Page> after(long seq) {
    Future<Page> page = pages.get(seq);
    if (page != null) {
      return page;
    }
    Future<Page> reading = read.apply(seq)
        .map(stored -> new Page(Sequenced.deliveries(stored.events()), stored.through(limit)));
    pages.put(seq, reading);
    reading.onComplete(ar -> {
      if (ar.failed() || ar.result().through() <= seq) {
        pages.remove(seq, reading);
      } else {
        vertx.setTimer(KEEP_MS, t -> pages.remove(seq, reading));
      }
    });
    return reading;
  }
}
