package dev.herald.hub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** What the node's channel feeds count: frames written to sockets, sockets too slow for live delivery, commit → fan-out. */
record FeedMeters(Counter deliveries, Counter slowConsumers, Timer commitToDeliver) {

  static FeedMeters of(MeterRegistry registry) {
    return new FeedMeters(
        Counter.builder("herald.deliveries").description("Frames written to subscribed sockets on this node (events and ephemeral frames)")
            .register(registry),
        Counter.builder("herald.slow.consumers")
            .description("Times a socket was too slow for live delivery and went to catch up from the journal").register(registry),
        Timer.builder("herald.commit.deliver")
            .description("From an event's commit (on any node) to this node handing it to its subscribers' event loops")
            .publishPercentileHistogram().register(registry));
  }
}
