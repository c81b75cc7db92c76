package dev.herald.metrics;

import dev.herald.core.Rest;
import dev.herald.hub.Hub;
import dev.herald.module.Module;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /metrics} in Prometheus's text format, from the node's Micrometer registry: what the
 * journal, the hub and the bridge count (they register their own meters), the channels and
 * subscriptions this node serves (read from the hub at each scrape), its database pool, the
 * cluster's members and the JVM. For operators: the proxy in front does not expose it.
 */
public final class MetricsModule implements Module {

  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final Hub hub;
  private final AtomicInteger channels = new AtomicInteger();
  private final AtomicInteger subscriptions = new AtomicInteger();

  public MetricsModule(PrometheusMeterRegistry registry, Hub hub, Pool pool, int poolSize, ClusterManager cluster) {
    this.registry = registry;
    this.hub = hub;
    Gauge.builder("herald.channels", channels, AtomicInteger::get)
        .description("Channels with subscribers on this node").register(registry);
    Gauge.builder("herald.subscriptions", subscriptions, AtomicInteger::get)
        .description("Subscriptions held by this node's sockets").register(registry);
    Gauge.builder("herald.db.pool.connections", pool, Pool::size)
        .description("Connections this node's pool holds to PostgreSQL").register(registry);
    Gauge.builder("herald.db.pool.max", () -> poolSize)
        .description("Connections this node's pool may hold (HERALD_DB_POOL_SIZE)").register(registry);
    if (cluster != null) {
      Gauge.builder("herald.cluster.members", cluster, c -> c.getNodes().size())
          .description("Members of the cluster as this node sees them").register(registry);
    }
  }

  @Override
  public List<Deployable> verticles() {
    return List.of(new JvmMeters());
  }

  @Override
  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> hub.counts().onComplete(counts -> {
      if (counts.succeeded()) {
        channels.set(counts.result().channels());
        subscriptions.set(counts.result().subscriptions());
      }
      // the counts answer on the hub's thread: strict thread mode only lets the request's own write
      Rest.onRequestThread(ctx, () -> ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(registry.scrape()));
    }));
  }

  /** The JVM's meters, bound while the node runs (the GC's listeners are let go when it stops). */
  private final class JvmMeters extends VerticleBase {

    private JvmGcMetrics gc;

    @Override
    public Future<?> start() {
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      gc.close();
      return Future.succeededFuture();
    }
  }
}
