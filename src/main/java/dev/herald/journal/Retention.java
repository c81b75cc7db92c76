package dev.herald.journal;

import dev.herald.core.Namespace;
import dev.herald.core.Namespaces;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Trims history to each namespace's limits: max events per channel, max age. A channel's head seq
 * is never trimmed, so seq numbering continues. Every node may run it; the deletes are idempotent.
 *
 * <p>The count limit is applied often and in small steps, so a busy channel never sees one huge
 * delete: each node remembers the channels its journal appended to and, on every pass, cuts just
 * those with a range delete on the primary key (channel, seq). A channel nobody appends to any
 * more keeps what it has until the age limit takes it. The age limit runs less often, over the
 * timestamp index.
 */
public final class Retention {

  private final Pool pool;
  private final Namespaces namespaces;
  /** Channels appended to since the last count pass, with the newest seq seen. Guarded by this. */
  private Map<String, Long> appended = new HashMap<>();

  public Retention(Pool pool, Namespaces namespaces) {
    this.pool = pool;
    this.namespaces = namespaces;
  }

  /** Called with every committed group of fresh events. */
  public synchronized void appended(List<Event> events) {
    for (Event e : events) {
      appended.merge(e.channel(), e.seq(), Math::max);
    }
  }

  /** Both limits, one after the other. */
  public Future<Void> trim() {
    return trimCounts().compose(v -> trimAges());
  }

  /** Cuts the channels appended to since the last pass down to their namespace's max events. */
  public Future<Void> trimCounts() {
    Map<String, Long> heads;
    synchronized (this) {
      heads = appended;
      appended = new HashMap<>();
    }
    List<String> channels = new ArrayList<>();
    List<Long> cuts = new ArrayList<>();
    heads.forEach((channel, head) -> {
      long cut = head - namespaces.of(channel).historyMaxEvents();
      if (cut > 0) {
        channels.add(channel);
        cuts.add(cut);
      }
    });
    if (channels.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("DELETE FROM events e USING unnest($1::text[], $2::bigint[]) AS t(channel, cut) "
            + "WHERE e.channel = t.channel AND e.seq <= t.cut")
        .execute(Tuple.tuple().addValue(channels.toArray(new String[0])).addValue(cuts.toArray(new Long[0])))
        .<Void>mapEmpty()
        .onFailure(err -> {
          synchronized (this) {
            heads.forEach((channel, head) -> appended.merge(channel, head, Math::max)); // try again next pass
          }
        });
  }

  /**
   * Deletes events older than their namespace's max age, in one statement. It only looks at events
   * older than the newest cutoff, a range of the ts index that is empty most of the time.
   */
  public Future<Void> trimAges() {
    Instant now = Instant.now();
    List<String> names = new ArrayList<>();
    List<OffsetDateTime> cutoffs = new ArrayList<>();
    for (Namespace ns : namespaces.configured()) {
      names.add(ns.name());
      cutoffs.add(OffsetDateTime.ofInstant(now.minus(ns.historyMaxAge()), ZoneOffset.UTC));
    }
    OffsetDateTime fallback = OffsetDateTime.ofInstant(now.minus(namespaces.fallback().historyMaxAge()), ZoneOffset.UTC);
    OffsetDateTime newest = cutoffs.stream().reduce(fallback, (a, b) -> a.isAfter(b) ? a : b);
    return pool.preparedQuery("DELETE FROM events e USING channels c "
            + "LEFT JOIN unnest($1::text[], $2::timestamptz[]) AS n(namespace, oldest) ON n.namespace = c.namespace "
            + "WHERE e.ts < $4 AND e.channel = c.name AND e.ts < coalesce(n.oldest, $3)")
        .execute(Tuple.tuple().addValue(names.toArray(new String[0])).addValue(cutoffs.toArray(new OffsetDateTime[0]))
            .addValue(fallback).addValue(newest))
        .mapEmpty();
  }
}
