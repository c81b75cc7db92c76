package dev.herald.hub;

import dev.herald.core.OnContext;
import dev.herald.journal.Event;
import dev.herald.journal.History;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node-local hub: channel → local subscribers. It holds ONE cluster consumer per channel per
 * node, whatever the number of local sockets, and drops it with the last one. A delivered message
 * is the complete bridge frame, encoded once by the publishing node, and the same buffer is written
 * to every local socket. All state lives on the hub's own context (a single thread).
 */
public final class Hub extends VerticleBase {

  private static final String ADDRESS_PREFIX = "herald.ch.";

  private final History history;
  private final FeedMeters meters;
  private final Map<String, ChannelFeed> feeds = new HashMap<>();

  public Hub(History history, MeterRegistry registry) {
    this.history = history;
    this.meters = FeedMeters.of(registry);
  }

  public static String address(String channel) {
    return ADDRESS_PREFIX + channel;
  }

  /**
   * Sends committed events to every node's subscribers: seq (8 bytes), the commit's wall-clock
   * time (8 bytes, for the commit → deliver latency), then the frame. Called in commit order by the
   * journal; receivers still reorder by seq because several nodes publish.
   */
  public static void broadcast(EventBus bus, List<Event> events) {
    long committedAt = System.currentTimeMillis();
    for (Event e : events) {
      String frame = Frames.delivery(e);
      // sized for the common all-ASCII frame, so the buffer is not grown while the frame is copied in
      bus.publish(address(e.channel()), Buffer.buffer(2 * Long.BYTES + frame.length())
          .appendLong(e.seq()).appendLong(committedAt).appendString(frame));
    }
  }

  /**
   * Subscribes a local socket. With {@code since}, stored events after it are written first, then
   * live ones, with no gap and no duplicate at the seam; where retention trimmed some of them, a
   * {@code history.truncated} envelope says where what follows starts. Completes once the
   * subscription is in place (its replay queued ahead of any live frame).
   */
  public Future<Void> subscribe(Subscriber subscriber, String channel, Long since) {
    return onHub(() -> feeds.computeIfAbsent(channel, this::openFeed).add(subscriber, since));
  }

  public void unsubscribe(Subscriber subscriber, String channel) {
    unsubscribe(subscriber, List.of(channel));
  }

  /** A closed socket leaves its channels: only those, so a close costs its own subscriptions, not the node's channels. */
  public void unsubscribe(Subscriber subscriber, Collection<String> channels) {
    OnContext.run(context, () -> {
      for (String channel : channels) {
        ChannelFeed feed = feeds.get(channel);
        if (feed != null) {
          feed.remove(subscriber);
        }
      }
    });
  }

  /**
   * Writes an ephemeral frame (presence, typing, viewers: no seq, never stored) to this node's
   * subscribers of the channel. Sockets that are lagging miss it; it is not replayed.
   */
  public void deliverEphemeral(String channel, EncodedFrame frame) {
    OnContext.run(context, () -> {
      ChannelFeed feed = feeds.get(channel);
      if (feed != null) {
        feed.deliverEphemeral(frame);
      }
    });
  }

  /**
   * Writes a versioned ephemeral frame (aggregate snapshots) to each local subscription of the
   * channel that has not had this version or a newer one: versions only grow on every subscriber.
   */
  public void deliverVersioned(String channel, long version, EncodedFrame frame) {
    OnContext.run(context, () -> {
      ChannelFeed feed = feeds.get(channel);
      if (feed != null) {
        feed.deliverVersioned(version, frame);
      }
    });
  }

  /**
   * A node left the cluster: what it committed but had not broadcast yet (it died between the two)
   * would otherwise reach this node's subscribers only with the channel's next event. Each channel
   * with local subscribers reads its head from the journal once and fills up to it.
   */
  public void nodeLeft() {
    OnContext.run(context, () -> feeds.values().forEach(ChannelFeed::recheckHead));
  }

  /** Channels with subscribers on this node, and their subscriptions: what /metrics shows. */
  public record Counts(int channels, int subscriptions) {
  }

  public Future<Counts> counts() {
    return onHub(() -> Future.succeededFuture(
        new Counts(feeds.size(), feeds.values().stream().mapToInt(ChannelFeed::size).sum())));
  }

  /** Local subscriptions to a channel on this node (0 when the node holds no consumer for it). */
  public Future<Integer> subscriberCount(String channel) {
    return onHub(() -> Future.succeededFuture(feeds.containsKey(channel) ? feeds.get(channel).size() : 0));
  }

  /** Local subscriptions to a channel that are behind live delivery (slow sockets catching up). */
  public Future<Integer> laggingCount(String channel) {
    return onHub(() -> Future.succeededFuture(feeds.containsKey(channel) ? feeds.get(channel).lagging() : 0));
  }

  private ChannelFeed openFeed(String channel) {
    return new ChannelFeed(channel, vertx, context, history, ChannelFeed.PAGE, meters, () -> feeds.remove(channel));
  }

  private <T> Future<T> onHub(Supplier<Future<T>> action) {
    return OnContext.call(context, action);
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    List.copyOf(feeds.values()).forEach(ChannelFeed::close);
    return Future.succeededFuture();
  }
}
