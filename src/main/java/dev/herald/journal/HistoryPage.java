package dev.herald.journal;

import java.util.List;

/** Stored events after a seq, ascending, and the channel's head seq (0 for a channel never written). */
public record HistoryPage(List<Event> events, long lastSeq) {
}
