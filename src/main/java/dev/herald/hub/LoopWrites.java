package dev.herald.hub;

import dev.herald.core.OnContext;
import dev.herald.wire.EncodedFrame;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a frame to many subscribers from the event loops that own their sockets: one task per
 * loop, instead of one hop between threads for every socket (which is what writing to a socket
 * from the hub's thread costs: a queue, a wake-up and a drain per socket and frame). Every write
 * of the hub to a subscriber goes through here, and a context runs its tasks in order, so each
 * socket still gets frames in the order the hub wrote them. Used on the hub's thread only.
 */
final class LoopWrites {

  // a node has a handful of event loops: a linear scan beats hashing a context per socket
  private final List<Context> contexts = new ArrayList<>();
  private final List<List<Subscriber>> subscribers = new ArrayList<>();
  private final Counter deliveries;
  private int added;

  LoopWrites(Counter deliveries) {
    this.deliveries = deliveries;
  }

  void add(Subscriber subscriber) {
    Context ctx = subscriber.context();
    int i = contexts.indexOf(ctx);
    if (i < 0) {
      i = contexts.size();
      contexts.add(ctx);
      subscribers.add(new ArrayList<>());
    }
    subscribers.get(i).add(subscriber);
    added++;
  }

  /** Writes the frame to every subscriber added since the last call. */
  void send(EncodedFrame frame) {
    for (int i = 0; i < contexts.size(); i++) {
      List<Subscriber> group = subscribers.get(i);
      OnContext.run(contexts.get(i), () -> {
        for (Subscriber s : group) {
          s.write(frame);
        }
      });
    }
    contexts.clear();
    subscribers.clear();
    if (added > 0) {
      deliveries.increment(added);
      added = 0;
    }
  }

  /** Writes frames to one subscriber, in order (a page of history it is catching up on). */
  void send(Subscriber subscriber, List<EncodedFrame> frames) {
    if (!frames.isEmpty()) {
      deliveries.increment(frames.size());
      OnContext.run(subscriber.context(), () -> frames.forEach(subscriber::write));
    }
  }
}
