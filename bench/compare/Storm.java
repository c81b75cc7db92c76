import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 5, reconnect storm: N clients subscribed to one channel while a publisher sends a steady
 * 200 events/s; the server is stopped (SIGTERM, a restart; for Herald also SIGKILL of the JVM and
 * its PostgreSQL, a crash) and started again on the same port (and data dir). Every client
 * reconnects with jitter and backoff and subscribes again, Herald's with headers.since = the last
 * seq it saw. Measured from the launch of the new process (its readiness probe can lag behind the
 * storm hitting it): when each client has resubscribed, and when it holds every accepted event
 * scheduled before it resubscribed (caught up); once publishing ends, which accepted events each
 * client never got (lost) or got twice. Socket.IO and the raw peer have no resume: what their
 * clients miss across the restart is the comparison.
 */
final class Storm {

  /**
   * Publishes per second = this / clients (5 events/s to 5,000 clients, 25/s to 1,000): a steady
   * flow this 2-core machine can deliver to every client. (200 events/s to 5,000 clients would be
   * a million deliveries a second, which none of the servers, nor the generator, keeps up with here.)
   */
  static final double DELIVERIES_PER_S = 25_000;
  static final double BEFORE_S = 5;
  static final double AFTER_S = 5;
  static final long CATCH_UP_LIMIT_S = 90;
  /** Clients that lost events never catch up: the wait ends once all have resubscribed and nobody caught up for this long. */
  static final long NO_PROGRESS_S = 10;

  private Storm() {
  }

  static JsonObject run(Bench bench) throws Exception {
    int n = bench.quick ? 1000 : 5000;
    JsonArray results = new JsonArray();
    for (Servers.Kind kind : bench.protocols.keySet()) {
      results.add(Bench.orError(kind, () -> once(bench, kind, n, false)));
      if (kind == Servers.Kind.HERALD) {
        results.add(Bench.orError(kind, () -> once(bench, kind, n, true)));
      }
    }
    return new JsonObject()
        .put("what", n + " clients on one channel, " + rate(n) + " events/s published throughout; the server is stopped "
            + "(SIGTERM; crash = SIGKILL of the JVM and its PostgreSQL) and restarted on the same port and data dir; "
            + "clients reconnect (first attempt after 0-1 s at random, then backoff 0.5-5 s with jitter) and subscribe "
            + "again, Herald's with headers.since. Times are from the restarted server's readiness. lost = events the "
            + "server accepted (2xx to the publisher) that a client never received")
        .put("results", results);
  }

  private static JsonObject once(Bench bench, Servers.Kind kind, int n, boolean crash) throws Exception {
    Servers.Server server = bench.servers.start(kind);
    List<List<Resumer>> byLoop = new ArrayList<>();
    Publisher pub = null;
    try {
      Target target = bench.target(server);
      String logical = "storm-" + kind.name().toLowerCase() + (crash ? "-crash" : "");
      String channel = target.protocol().channel(logical);
      Log.info("storm: " + target.name() + (crash ? " (crash)" : "") + ", " + n + " clients on " + channel);
      long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      double rate = rate(n);
      double interval = 1e9 / rate;
      open(bench.loops, target, channel, n, start, interval, byLoop);

      BitSet accepted = new BitSet();
      pub = new Publisher(bench.loops.vertx, bench.loops.publisherContext, target,
          List.of(new Publisher.Stream(rate, i -> logical, n)));
      pub.accepted = t -> accepted.set((int) Math.round((t - start) / interval));
      pub.start(start, Long.MAX_VALUE, Long.MAX_VALUE);
      Session.sleepUntil(start + (long) (BEFORE_S * 1e9));
      // a cold server may take a while to answer its first publishes: stop once some were accepted
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (on(bench.loops.publisherContext, accepted::cardinality) < 2 * rate && System.nanoTime() < waitUntil) {
        Thread.sleep(200);
      }

      long killAt = System.nanoTime();
      Log.info("storm: stopping " + server + (crash ? " with SIGKILL" : " with SIGTERM"));
      bench.servers.stop(server, crash);
      long launchAt = System.nanoTime();
      bench.servers.restart(server);
      long readyAt = System.nanoTime();
      Log.info(String.format("storm: %s down in %.1f s, ready again %.1f s later", server, (launchAt - killAt) / 1e9,
          (readyAt - launchAt) / 1e9));
      int killIndex = (int) Math.ceil((killAt - start) / interval);
      BitSet beforeKill = on(bench.loops.publisherContext, () -> accepted.get(0, killIndex));
      forEach(bench.loops, byLoop, r -> r.log.mustHave(beforeKill));

      waitCaughtUp(bench.loops, byLoop, readyAt, n, pub);
      Session.sleepUntil(System.nanoTime() + (long) (AFTER_S * 1e9));
      Publisher p = pub;
      pub = null;
      p.stop();
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < drainUntil && !p.idle()) {
        Thread.sleep(50);
      }
      BitSet all = on(bench.loops.publisherContext, () -> (BitSet) accepted.clone());
      awaitDelivered(bench.loops, byLoop, all);
      p.close();
      JsonObject r = summarize(bench.loops, byLoop, all, launchAt)
          .put("target", target.name())
          .put("stop", crash ? "SIGKILL (JVM and PostgreSQL)" : "SIGTERM")
          .put("clients", n)
          .put("stopped_in_ms", ms(launchAt - killAt))
          .put("ready_after_launch_ms", ms(readyAt - launchAt))
          .put("publishes", new JsonObject().put("accepted", all.cardinality()).put("accepted_before_stop", beforeKill.cardinality())
              .put("failed", p.failed).put("skipped", p.skipped).put("last_error", p.lastError()))
          .put("load_average", Machine.loadAverage());
      Log.info("  => " + r.getString("target") + ": all caught up " + r.getValue("all_caught_up_ms") + " ms after launch, lost "
          + r.getJsonObject("lost").getLong("total") + ", duplicates " + r.getLong("duplicates"));
      return r;
    } finally {
      if (pub != null) {
        pub.stop();
        pub.close();
      }
      forEach(bench.loops, byLoop, Resumer::stop);
      bench.servers.stop(server, false);
    }
  }

  static double rate(int clients) {
    return DELIVERIES_PER_S / clients;
  }

  /**
   * Once publishing stopped: waits until every client holds every accepted event, or the count of
   * missing ones has not moved for 5 s (events lost for good), at most 60 s.
   */
  private static void awaitDelivered(Loops loops, List<List<Resumer>> byLoop, BitSet accepted) throws Exception {
    long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long last = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < limit) {
      long missing = 0;
      for (int i = 0; i < loops.size(); i++) {
        List<Resumer> rs = byLoop.get(i);
        missing += on(loops.subscriberContexts.get(i), () -> rs.stream().mapToLong(r -> r.log.lost(accepted)).sum());
      }
      if (missing == 0) {
        return;
      }
      if (missing != last) {
        Log.progress(String.format("  publishing stopped; %,d accepted events not yet received (summed over clients)", missing));
        last = missing;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(5)) {
        return;
      }
      Thread.sleep(500);
    }
  }

  /** Opens the clients, at most 128 handshakes at a time, and waits until all are subscribed. */
  private static void open(Loops loops, Target target, String channel, int n, long start, double interval,
      List<List<Resumer>> byLoop) throws Exception {
    for (int i = 0; i < loops.size(); i++) {
      byLoop.add(new ArrayList<>());
    }
    Semaphore permits = new Semaphore(Session.CONNECTS_IN_FLIGHT);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      permits.acquire();
      int loop = i % loops.size();
      Resumer r = new Resumer(loops, loop, target, target.wsPort(i), channel, new DeliveryLog(start, interval));
      byLoop.get(loop).add(r);
      Future<Void> subscribed = on(loops.subscriberContexts.get(loop), () -> r.connect().subscribed.future());
      subscribed.onComplete(ar -> permits.release());
      all.add(subscribed);
    }
    Future.all(all).toCompletionStage().toCompletableFuture().orTimeout(120, TimeUnit.SECONDS).join();
    Log.info("  " + n + " clients subscribed");
  }

  /**
   * Waits until every client holds the events accepted before the stop, or all have resubscribed
   * and that count stopped moving (the others lost events for good), or the limit.
   */
  private static void waitCaughtUp(Loops loops, List<List<Resumer>> byLoop, long readyAt, int n, Publisher pub)
      throws Exception {
    long limit = readyAt + TimeUnit.SECONDS.toNanos(CATCH_UP_LIMIT_S);
    long lastCaught = -1;
    long lastProgress = System.nanoTime();
    while (System.nanoTime() < limit) {
      Thread.sleep(250);
      long[] counts = new long[2];
      for (int i = 0; i < loops.size(); i++) {
        List<Resumer> rs = byLoop.get(i);
        long[] c = on(loops.subscriberContexts.get(i), () -> new long[] {
            rs.stream().filter(r -> r.log.resubscribedAt >= 0).count(),
            rs.stream().filter(r -> r.log.heldPreStopAt >= 0).count()});
        counts[0] += c[0];
        counts[1] += c[1];
      }
      Log.progress(String.format("  t=%.1fs after ready: %,d resubscribed, %,d hold what was accepted before the stop, of %,d; publishes ok %,d failed %,d",
          (System.nanoTime() - readyAt) / 1e9, counts[0], counts[1], n, pub.ok, pub.failed));
      if (counts[1] == n) {
        return;
      }
      if (counts[1] != lastCaught) {
        lastCaught = counts[1];
        lastProgress = System.nanoTime();
      } else if (counts[0] == n && System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(NO_PROGRESS_S)) {
        return;
      }
    }
  }

  private static JsonObject summarize(Loops loops, List<List<Resumer>> byLoop, BitSet accepted, long launchAt) throws Exception {
    List<Long> resub = new ArrayList<>();
    List<Long> caught = new ArrayList<>();
    long lost = 0;
    long clientsWithLoss = 0;
    long maxLost = 0;
    long duplicates = 0;
    long seqGaps = 0;
    long seqRepeats = 0;
    long attempts = 0;
    long drops = 0;
    long neverCaughtUp = 0;
    JsonArray gapSamples = new JsonArray();
    long firstResubscribed = Long.MAX_VALUE;
    long lastCaughtUp = -1;
    for (int i = 0; i < loops.size(); i++) {
      List<Resumer> rs = byLoop.get(i);
      List<long[]> rows = on(loops.subscriberContexts.get(i), () -> {
        List<long[]> out = new ArrayList<>();
        for (Resumer r : rs) {
          DeliveryLog l = r.log;
          long[] gap = l.firstGap == null ? new long[] {-1, -1, 0, 0} : l.firstGap;
          out.add(new long[] {l.resubscribedAt, l.caughtUpAt(accepted), l.lost(accepted), l.duplicates, l.seqGaps, l.seqRepeats,
              l.attempts, l.drops, gap[0], gap[1], gap[2], gap[3]});
        }
        return out;
      });
      for (long[] row : rows) {
        if (row[0] >= 0) {
          resub.add(row[0] - launchAt);
          firstResubscribed = Math.min(firstResubscribed, row[0]);
        }
        if (row[1] >= 0) {
          caught.add(row[1] - launchAt);
          lastCaughtUp = Math.max(lastCaughtUp, row[1]);
        } else {
          neverCaughtUp++;
        }
        lost += row[2];
        clientsWithLoss += row[2] > 0 ? 1 : 0;
        maxLost = Math.max(maxLost, row[2]);
        duplicates += row[3];
        seqGaps += row[4];
        seqRepeats += row[5];
        attempts += row[6];
        drops += row[7];
        if (row[8] >= 0 && gapSamples.size() < 5) {
          gapSamples.add(new JsonObject().put("last_seq_before", row[8]).put("next_seq", row[9])
              .put("at_ms_after_launch", ms(row[10] - launchAt)).put("first_delivery_after_resubscribing", row[11] == 1));
        }
      }
    }
    return new JsonObject()
        .put("resubscribed_ms", Stats.latencyMs(resub.stream().mapToLong(Long::longValue).toArray()))
        .put("caught_up_ms", Stats.latencyMs(caught.stream().mapToLong(Long::longValue).toArray()))
        .put("never_caught_up", neverCaughtUp)
        .put("all_caught_up_ms", neverCaughtUp > 0 ? null : ms(lastCaughtUp - launchAt))
        .put("first_resubscribed_to_all_caught_up_ms", neverCaughtUp > 0 || lastCaughtUp < 0 ? null : ms(lastCaughtUp - firstResubscribed))
        .put("lost", new JsonObject().put("total", lost).put("clients_with_loss", clientsWithLoss).put("max_per_client", maxLost))
        .put("duplicates", duplicates)
        .put("seq_gaps", seqGaps)
        .put("seq_gap_samples", gapSamples)
        .put("seq_repeats", seqRepeats)
        .put("connection_drops", drops)
        .put("connect_attempts", attempts);
  }

  private static <T> T on(Context ctx, java.util.concurrent.Callable<T> action) throws Exception {
    return Loops.on(ctx, () -> {
      try {
        return Future.succeededFuture(action.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }).await();
  }

  private static void forEach(Loops loops, List<List<Resumer>> byLoop, java.util.function.Consumer<Resumer> action)
      throws Exception {
    for (int i = 0; i < byLoop.size(); i++) {
      List<Resumer> rs = byLoop.get(i);
      on(loops.subscriberContexts.get(i), () -> {
        rs.forEach(action);
        return null;
      });
    }
  }

  private static double ms(long nanos) {
    return Stats.round(nanos / 1e6, 1);
  }
}
