package dev.herald.journal;

import java.util.List;

/**
 * Stored events after a seq, ascending, with where the channel's history starts and ends, all read
 * in one snapshot. {@code lastSeq} is the channel's head (0 for a channel never written);
 * {@code firstSeq} the oldest seq still kept, or {@code lastSeq + 1} when none is (so a channel never
 * written has 1): a reader whose {@code since + 1} is below it missed events that retention trimmed.
 */
public record HistoryPage(List<Event> events, long firstSeq, long lastSeq) {

  /**
   * The seq up to which this page holds every event still stored after the seq it was read from:
   * its last event when the read stopped at its {@code limit}, else the head it was read at. A seq
   * up to it that the page lacks was trimmed by retention (a seq not committed yet is above the head).
   */
  public long through(int limit) {
    return events.size() >= limit ? events.get(events.size() - 1).seq() : lastSeq;
  }
}
