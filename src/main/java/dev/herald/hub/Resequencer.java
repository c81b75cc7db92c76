package dev.herald.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Puts one channel's frames back in seq order on a node. Events of a channel come from several
 * publishing nodes, so they may arrive out of order: this keeps the node's contiguous head and holds
 * early arrivals until the frames before them come, live or read from the journal, or a read shows
 * that retention trimmed them. It only decides; timers, reads and delivery are the feed's
 * ({@link FeedHead}, {@link ChannelFeed}), which keeps this free of Vert.x and testable alone.
 *
 * @param <F> a frame as delivered to subscribers
 */
final class Resequencer<F> {

  /**
   * What a step changed: the frames now deliverable, in seq order; when frames are held beyond a
   * missing one, the last missing seq before the first of them (what a journal read should fill);
   * and when the head moved past seqs the journal no longer keeps, the seq it went on from (frames
   * below it were released before the skip, the others after it).
   */
  record Released<F>(List<Sequenced<F>> frames, OptionalLong gapTo, OptionalLong firstKept) {

    Released(List<Sequenced<F>> frames, OptionalLong gapTo) {
      this(frames, gapTo, OptionalLong.empty());
    }

    static <F> Released<F> nothing() {
      return new Released<>(List.of(), OptionalLong.empty());
    }
  }

  private static final long UNKNOWN = -1;

  private final TreeMap<Long, F> early = new TreeMap<>();
  private long head = UNKNOWN;

  /** The last seq delivered in order, or -1 until the head is known. */
  long head() {
    return head;
  }

  /** The last missing seq before the first held frame, while the head is known and frames are held. */
  OptionalLong gapTo() {
    return head == UNKNOWN || early.isEmpty() ? OptionalLong.empty() : OptionalLong.of(early.firstKey() - 1);
  }

  /**
   * The head as read from the journal once the feed listens: held frames up to it were already stored
   * before (nobody needs them live), those right after it follow it.
   */
  Released<F> start(long head) {
    this.head = head;
    return drainEarly(new ArrayList<>());
  }

  /**
   * A live frame. Before the head is known every frame is held. A frame at or below the head is a
   * duplicate and is dropped; reporting nothing then leaves any gap to the fill already under way or
   * to the next frame that moves the head or is held.
   */
  Released<F> arrived(long seq, F frame) {
    if (head == UNKNOWN || seq > head + 1) {
      early.put(seq, frame);
      return head == UNKNOWN ? Released.nothing() : new Released<>(List.of(), gapTo());
    }
    if (seq <= head) {
      return Released.nothing();
    }
    List<Sequenced<F>> released = new ArrayList<>();
    release(seq, frame, released);
    return drainEarly(released);
  }

  /**
   * Frames read from the journal, ascending, by a read that vouches it got every event still
   * stored from where it started up to {@code through}. Those the head has passed meanwhile are
   * dropped; stored and held frames are released as they follow the head (a stored one in place of
   * a held one). A seq up to {@code through} that is neither stored nor held was trimmed by
   * retention and will never come: the head moves past that run of them instead of waiting and
   * reading again for ever. A step skips one run at most, so that each skip can be told to
   * subscribers; a read goes on from the new head for the next.
   */
  Released<F> filled(List<Sequenced<F>> stored, long through) {
    List<Sequenced<F>> released = new ArrayList<>();
    OptionalLong firstKept = OptionalLong.empty();
    int i = 0;
    while (true) {
      while (i < stored.size() && stored.get(i).seq() <= head) {
        i++;
      }
      early.headMap(head, true).clear();
      long next = head + 1;
      long nextStored = i < stored.size() ? stored.get(i).seq() : Long.MAX_VALUE;
      long nextHeld = early.isEmpty() ? Long.MAX_VALUE : early.firstKey();
      if (nextStored == next) {
        early.remove(next);
        release(next, stored.get(i).frame(), released);
      } else if (nextHeld == next) {
        release(next, early.pollFirstEntry().getValue(), released);
      } else if (next <= through && firstKept.isEmpty()) {
        long kept = Math.min(through + 1, Math.min(nextStored, nextHeld));
        head = kept - 1;
        firstKept = OptionalLong.of(kept);
      } else {
        return new Released<>(released, gapTo(), firstKept);
      }
    }
  }

  private void release(long seq, F frame, List<Sequenced<F>> released) {
    head = seq;
    released.add(new Sequenced<>(seq, frame));
  }

  private Released<F> drainEarly(List<Sequenced<F>> released) {
    while (!early.isEmpty() && early.firstKey() <= head + 1) {
      Map.Entry<Long, F> next = early.pollFirstEntry();
      if (next.getKey() == head + 1) {
        release(next.getKey(), next.getValue(), released);
      }
    }
    return new Released<>(released, gapTo());
  }
}
