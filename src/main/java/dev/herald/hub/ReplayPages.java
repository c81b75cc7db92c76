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
 * read serves nobody else. One per channel feed, used on the hub's context only.
 */
final class ReplayPages {

  static final long KEEP_MS = 2000;

  private final Vertx vertx;
  private final LongFunction<Future<HistoryPage>> read;
  private final Map<Long, Future<List<Sequenced<EncodedFrame>>>> pages = new HashMap<>();

  /** {@code read} reads the page after a seq and completes on the hub's context. */
  ReplayPages(Vertx vertx, LongFunction<Future<HistoryPage>> read) {
    this.vertx = vertx;
    this.read = read;
  }

  /** The stored events after {@code seq} (a page of them), read once for everyone who asks meanwhile. */
  Future<List<Sequenced<EncodedFrame>>> after(long seq) {
    Future<List<Sequenced<EncodedFrame>>> page = pages.get(seq);
    if (page != null) {
      return page;
    }
    Future<List<Sequenced<EncodedFrame>>> reading = read.apply(seq).map(stored -> Sequenced.deliveries(stored.events()));
    pages.put(seq, reading);
    reading.onComplete(ar -> {
      if (ar.failed()) {
        pages.remove(seq, reading);
      } else {
        vertx.setTimer(KEEP_MS, t -> pages.remove(seq, reading));
      }
    });
    return reading;
  }
}
