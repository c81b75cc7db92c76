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
import java.util.List;

/**
 * Trims history to each namespace's limits (max events per channel, max age). Every node may run it;
 * the deletes are idempotent. A channel's head seq is never trimmed, so seq numbering continues.
 */
public final class Retention {

  private final Pool pool;
  private final Namespaces namespaces;

  public Retention(Pool pool, Namespaces namespaces) {
    this.pool = pool;
    this.namespaces = namespaces;
  }

  public Future<Void> trim() {
    List<Future<?>> all = new ArrayList<>();
    List<String> listed = new ArrayList<>();
    for (Namespace ns : namespaces.configured()) {
      listed.add(ns.name());
      all.add(trim("c.namespace = $3", ns, ns.name()));
    }
    all.add(trim("NOT (c.namespace = ANY($3::text[]))", namespaces.fallback(), listed.toArray(new String[0])));
    return Future.all(all).mapEmpty();
  }

  private Future<?> trim(String which, Namespace ns, Object whichParam) {
    OffsetDateTime oldest = OffsetDateTime.ofInstant(Instant.now().minus(ns.historyMaxAge()), ZoneOffset.UTC);
    return pool.preparedQuery("DELETE FROM events e USING channels c WHERE e.channel = c.name AND " + which
            + " AND (e.seq <= c.last_seq - $1 OR e.ts < $2)")
        .execute(Tuple.of(ns.historyMaxEvents(), oldest, whichParam));
  }
}
