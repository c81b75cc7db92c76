package dev.herald.aggregate;

import dev.herald.core.OnContext;
import dev.herald.hub.Hub;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Paces aggregate snapshots out to subscribers. The node that commits a change publishes the new
 * snapshot once on the cluster; every node keeps the newest version per channel and delivers it to
 * its local subscribers at most once per the aggregate's interval (the last state is always sent).
 * The hub drops, per subscription, any snapshot not newer than the last one it got, so versions
 * strictly increase on every subscriber. A new subscriber gets the current snapshot first.
 */
final class SnapshotPacer extends VerticleBase {

  private static final String BUS = "herald.aggregate";

  private final AggregateDefinitions definitions;
  private final AggregateStore store;
  private final Hub hub;
  private final Map<String, Outgoing> byChannel = new HashMap<>();

  /** The newest snapshot for a channel, and when it last went out. */
  private static final class Outgoing {
    Snapshot newest;
    Snapshot delivered;
    long deliveredAt;
    long timer = -1;
  }

  SnapshotPacer(AggregateDefinitions definitions, AggregateStore store, Hub hub) {
    this.definitions = definitions;
    this.store = store;
    this.hub = hub;
  }

  @Override
  public Future<?> start() {
    store.onChange(snapshots -> snapshots.forEach(s -> vertx.eventBus().publish(BUS, s.toMessage())));
    return vertx.eventBus().<JsonObject>consumer(BUS, msg -> offer(Snapshot.fromMessage(msg.body()))).completion();
  }

  /** A socket subscribed to {@code channel}: if aggregate snapshots go there, it gets the current one now. */
  void subscribed(String channel) {
    AggregateDefinitions.Target target = definitions.forChannel(channel);
    if (target == null) {
      return;
    }
    OnContext.run(context, () -> {
      Outgoing out = byChannel.get(channel);
      if (out != null && out.delivered != null) {
        send(out.delivered); // those who have it already drop it by version
      } else {
        OnContext.resume(context, store.read(target.definition(), target.group())).onSuccess(s -> {
          offer(s);
          Outgoing now = byChannel.get(channel);
          if (now.delivered != null) {
            send(now.delivered);
          }
        });
      }
    });
  }

  private void offer(Snapshot s) {
    Outgoing out = byChannel.computeIfAbsent(s.channel(), c -> new Outgoing());
    if (out.newest != null && out.newest.version() >= s.version()) {
      return;
    }
    out.newest = s;
    long interval = definitions.get(s.name()).interval().toMillis();
    long wait = out.deliveredAt + interval - System.currentTimeMillis();
    if (wait <= 0 || out.delivered == null) {
      deliver(out);
    } else if (out.timer < 0) {
      out.timer = vertx.setTimer(wait, t -> {
        if (out.timer != t) {
          return; // cancelled by a delivery after it had already fired
        }
        out.timer = -1;
        deliver(out);
      });
    }
  }

  private void deliver(Outgoing out) {
    if (out.timer >= 0) {
      // an overdue timer (the event loop was busy) must not send again right after this delivery
      vertx.cancelTimer(out.timer);
      out.timer = -1;
    }
    out.delivered = out.newest;
    out.deliveredAt = System.currentTimeMillis();
    send(out.delivered);
  }

  private void send(Snapshot s) {
    hub.deliverVersioned(s.channel(), s.version(), Frames.ephemeral(s.channel(), "aggregate.snapshot", s.json()));
  }
}
