package dev.herald.journal;

import io.vertx.core.Future;

/**
 * The read side of the journal, as the hub's channel feeds use it: pages of history and heads. An
 * interface of its own so that the feeds' tests can stand in for the database (and decide exactly
 * what retention left).
 */
public interface History {

  /** Stored events with seq > since, ascending, at most limit, with the oldest kept seq and the head. */
  Future<HistoryPage> read(String channel, long since, int limit);

  /** The channel's head seq: 0 for a channel never written. */
  Future<Long> head(String channel);
}
