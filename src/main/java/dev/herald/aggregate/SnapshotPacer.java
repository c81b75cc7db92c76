package dev.herald.aggregate;

import dev.herald.core.OnContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Paces aggregate snapshots out to subscribers. The node that commits a change publishes the new
 * snapshot once on the cluster; every node keeps the newest version per channel and delivers it to
 * its local subscribers at most once per the aggregate's interval (the last state is always sent).
 * The hub drops, per subscription, any snapshot not newer than the last one it got, so versions
 * strictly increase on every subscriber. A new subscriber gets the current snapshot first.
 *
 * <p>Every node hears of every change, to every group's channel, most of which have no subscriber
 * here: a channel whose snapshots stopped changing {@link #IDLE} ago is forgotten. What a new
 * subscriber then needs comes from the store (the current state), and a change after that is
 * delivered at once, the interval being long over.
 */
final class SnapshotPacer extends VerticleBase {

  static final Duration IDLE = Duration.ofSeconds(30);
  private static final String BUS = "herald.aggregate";

  private final AggregateDefinitions definitions;
  private final Function<AggregateDefinitions.Target, Future<Snapshot>> current;
  private final Consumer<Snapshot> deliver;
  private final long idleMillis;
  private final Map<String, Outgoing> byChannel = new HashMap<>();

  /** The newest snapshot for a channel, and when it last went out. */
  private static final class Outgoing {
    Snapshot newest;
    Snapshot delivered;
    long deliveredAt;
    long timer = -1;
  }

  /**
   * {@code current} reads a channel's snapshot from the store; {@code deliver} writes one to this
   * node's subscribers of its channel; a channel is forgotten after {@code idle} without a change.
   */
  SnapshotPacer(AggregateDefinitions definitions, Function<AggregateDefinitions.Target, Future<Snapshot>> current,
      Consumer<Snapshot> deliver, Duration idle) {
    this.definitions = definitions;
    this.current = current;
    this.deliver = deliver;
    this.idleMillis = idle.toMillis();
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(idleMillis, id -> forgetIdle());
    return vertx.eventBus().<JsonObject>consumer(BUS, msg -> offer(Snapshot.fromMessage(msg.body()))).completion();
  }

  /** Committed changes, to every node's pacer (this one's included). */
  void publish(List<Snapshot> snapshots) {
    snapshots.forEach(s -> vertx.eventBus().publish(BUS, s.toMessage()));
  }

  /** A socket subscribed to {@code channel}: if aggregate snapshots go there, it gets the current one now. */
  void subscribed(String channel) {
    AggregateDefinitions.Target target = definitions.forChannel(channel);
    if (target == null) {
      return;
    }
    OnContext.run(context, () -> {
      Outgoing out = byChannel.get(channel);
      if (out != null) {
        deliver.accept(out.delivered); // those who have it already drop it by version
      } else {
        OnContext.resume(context, current.apply(target)).onSuccess(s -> {
          offer(s);
          Outgoing now = byChannel.get(channel);
          if (now.delivered != s) {
            deliver.accept(now.delivered); // a newer one came meanwhile, or this one waits for its interval
          }
        });
      }
    });
  }

  /** How many channels the pacer holds state for: those whose snapshots changed within the idle time. */
  Future<Integer> channelsKept() {
    return OnContext.call(context, () -> Future.succeededFuture(byChannel.size()));
  }

  private void offer(Snapshot s) {
    Outgoing out = byChannel.computeIfAbsent(s.channel(), c -> new Outgoing());
    if (out.newest != null && out.newest.version() >= s.version()) {
      return;
    }
    out.newest = s;
    long wait = out.deliveredAt + interval(out) - System.currentTimeMillis();
    if (wait <= 0 || out.delivered == null) {
      send(out);
    } else if (out.timer < 0) {
      out.timer = vertx.setTimer(wait, t -> {
        if (out.timer != t) {
          return; // cancelled by a delivery after it had already fired
        }
        out.timer = -1;
        send(out);
      });
    }
  }

  private void send(Outgoing out) {
    if (out.timer >= 0) {
      // an overdue timer (the event loop was busy) must not send again right after this delivery
      vertx.cancelTimer(out.timer);
      out.timer = -1;
    }
    out.delivered = out.newest;
    out.deliveredAt = System.currentTimeMillis();
    deliver.accept(out.delivered);
  }

  /** Forgets the channels with nothing pending whose last delivery is older than the idle time (and their interval). */
  private void forgetIdle() {
    long now = System.currentTimeMillis();
    byChannel.values().removeIf(out -> out.timer < 0 && now - out.deliveredAt >= Math.max(idleMillis, interval(out)));
  }

  private long interval(Outgoing out) {
    return definitions.get(out.newest.name()).interval().toMillis();
  }
}
