package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pacer forgets channels whose snapshots stopped changing (every node hears of every group's
 * changes, most of which have no local subscriber), and what it forgets comes back from the store:
 * a new subscriber still gets the current snapshot first, and no older version follows it.
 */
class SnapshotPacerTest {

  static final Duration IDLE = Duration.ofMillis(600);

  final AggregateDefinitions definitions = new AggregateDefinitions(java.util.Set.of(), new JsonObject()
      .put("balances", new JsonObject().put("channels", new JsonArray().add("ledger")).put("groupBy", "data.userId")
          .put("channel", "user:{group}").put("interval", "20ms")
          .put("fields", new JsonObject().put("balance", "sum(data.amount)")))
      .put("sales", new JsonObject().put("channels", new JsonArray().add("sales")).put("interval", "20ms")
          .put("fields", new JsonObject().put("n", "count()"))));
  final List<Snapshot> sent = new CopyOnWriteArrayList<>();
  final AtomicLong stored = new AtomicLong();
  Vertx vertx;
  SnapshotPacer pacer;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    pacer = new SnapshotPacer(definitions, target -> Future.succeededFuture(
        snapshot(target.definition().name(), target.definition().channelFor(target.group()), stored.get())), sent::add, IDLE);
    vertx.deployVerticle(pacer).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void channelsWhoseSnapshotsStoppedChangingAreForgotten() {
    List<Snapshot> changes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      changes.add(snapshot("balances", "user:" + i, 1));
    }
    pacer.publish(changes);
    Eventually.equal(sent::size, 200);
    assertThat(kept()).isEqualTo(200);
    Eventually.equal(this::kept, 0);
  }

  @Test
  void aSubscriberAfterTheChannelWasForgottenGetsTheCurrentSnapshotAndNothingOlderAfterIt() throws Exception {
    pacer.publish(List.of(snapshot("sales", "agg:sales", 3)));
    Eventually.equal(this::lastVersion, 3L);
    Eventually.equal(this::kept, 0);

    stored.set(5);
    pacer.subscribed("agg:sales");
    Eventually.equal(this::lastVersion, 5L);
    pacer.publish(List.of(snapshot("sales", "agg:sales", 4))); // an older change, late from another node
    Thread.sleep(200);
    assertThat(sent.stream().map(Snapshot::version)).containsExactly(3L, 5L);
    pacer.publish(List.of(snapshot("sales", "agg:sales", 6)));
    Eventually.equal(this::lastVersion, 6L);
  }

  int kept() {
    try {
      return pacer.channelsKept().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  long lastVersion() {
    return sent.isEmpty() ? 0 : sent.get(sent.size() - 1).version();
  }

  static Snapshot snapshot(String name, String channel, long version) {
    return new Snapshot(name, channel, version, new JsonObject().put("name", name).put("version", version));
  }
}
