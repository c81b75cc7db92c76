package dev.herald;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import dev.herald.aggregate.AggregatesModule;
import dev.herald.api.GatewayVerticle;
import dev.herald.api.HealthModule;
import dev.herald.bridge.BridgeEndpoint;
import dev.herald.channels.Channels;
import dev.herald.channels.ChannelsModule;
import dev.herald.core.Authenticator;
import dev.herald.core.Database;
import dev.herald.core.HeraldConfig;
import dev.herald.core.Namespaces;
import dev.herald.hub.Hub;
import dev.herald.internals.Http1PipelineCheck;
import dev.herald.journal.Journal;
import dev.herald.journal.Retention;
import dev.herald.module.Module;
import dev.herald.presence.PresenceModule;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up: read config, open the database (embedded or external), join the cluster if asked,
 * deploy the hub and the gateway. {@code java -jar herald.jar [--cluster]}.
 */
public final class Herald implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Herald.class);
  /** Often, so each pass deletes about a second's worth of a busy channel's events rather than a minute's. */
  private static final long COUNT_RETENTION_PERIOD_MS = 1_000;
  private static final long AGE_RETENTION_PERIOD_MS = 60_000;

  private final HeraldConfig config;
  private final Database database;
  private final Vertx vertx;
  private final ClusterManager cluster;
  private final Hub hub;
  private final Journal journal;
  private final Retention retention;

  private Herald(HeraldConfig config, Database database, Vertx vertx, ClusterManager cluster, Hub hub,
      Journal journal, Retention retention) {
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.cluster = cluster;
    this.hub = hub;
    this.journal = journal;
    this.retention = retention;
  }

  public static void main(String[] args) {
    JsonObject overrides = new JsonObject();
    for (String arg : args) {
      if (arg.equals("--cluster")) {
        overrides.put("cluster", true);
      } else {
        System.err.println("unknown argument " + arg + "; usage: java -jar herald.jar [--cluster]");
        System.exit(2);
      }
    }
    Herald herald = start(HeraldConfig.load(System.getenv(), overrides));
    Runtime.getRuntime().addShutdownHook(new Thread(herald::close, "herald-shutdown"));
  }

  /** Starts a node and blocks until it serves. Call from a plain thread (main or a test), not an event loop. */
  public static Herald start(HeraldConfig config) {
    Namespaces namespaces = new Namespaces(config.namespaces());
    Database database = Database.open(config);
    ClusterManager cluster = config.cluster() ? new HazelcastClusterManager(hazelcastConfig(config.clusterName())) : null;
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventBusOptions(new EventBusOptions().setHost(config.clusterHost()).setPort(0));
    Vertx vertx;
    try {
      vertx = cluster == null
          ? Vertx.vertx(options)
          : Vertx.builder().with(options).withClusterManager(cluster).buildClustered().await();
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    Pool pool = database.createPool(vertx, 8);
    Herald herald;
    try {
      Authenticator auth = new Authenticator(vertx, config);
      // retention gets a connection of its own: a long delete must never hold up appends
      Retention retention = new Retention(database.createPool(vertx, 1), namespaces);
      Journal journal = new Journal(pool, events -> {
        Hub.broadcast(vertx.eventBus(), events);
        retention.appended(events);
      });
      Hub hub = new Hub(journal);
      herald = new Herald(config, database, vertx, cluster, hub, journal, retention);
      List<Module> modules = List.of(
          new ChannelsModule(new Channels(journal, namespaces), auth),
          new PresenceModule(hub, cluster, namespaces, auth),
          new AggregatesModule(config.aggregates(), pool, hub, namespaces, auth),
          new HealthModule(pool, cluster));
      BridgeEndpoint bridge = new BridgeEndpoint(hub, auth, namespaces, modules, config);
      modules.forEach(m -> m.commitHooks().forEach(journal::addHook));
      vertx.deployVerticle(hub).await();
      for (Module m : modules) {
        for (Deployable verticle : m.verticles()) {
          vertx.deployVerticle(verticle).await();
        }
      }
      Consumer<Router> routes = router -> {
        modules.forEach(m -> m.mount(router));
        bridge.mount(router, vertx);
      };
      // the WebSocket takeover needs Vert.x's HTTP/1 pipeline as it knows it: refuse to start otherwise
      Http1PipelineCheck.verify(vertx, GatewayVerticle.serverOptions(config)).await();
      vertx.deployVerticle(() -> new GatewayVerticle(config, routes),
          new DeploymentOptions().setInstances(config.gatewayInstances())).await();
    } catch (RuntimeException e) {
      try {
        vertx.close().await();
      } finally {
        database.close();
      }
      throw e;
    }
    vertx.setPeriodic(COUNT_RETENTION_PERIOD_MS, t -> herald.retention.trimCounts()
        .onFailure(err -> LOG.warn("history retention (max events) failed: {}", err.getMessage())));
    vertx.setPeriodic(AGE_RETENTION_PERIOD_MS, t -> herald.retention.trimAges()
        .onFailure(err -> LOG.warn("history retention (max age) failed: {}", err.getMessage())));
    LOG.info("Herald serving on http://localhost:{} ({}{}, {} transport)", config.port(),
        cluster == null ? "single node" : "cluster node " + cluster.getNodeId(),
        config.dbUrl() == null ? ", embedded PostgreSQL in " + Path.of(config.dataDir()).toAbsolutePath() : "",
        vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
    return herald;
  }

  /** cluster.xml from the working directory if present (operators edit it), else the packaged default. */
  private static Config hazelcastConfig(String clusterName) {
    Path file = Path.of("cluster.xml");
    try {
      Config hz = Files.isRegularFile(file) ? new FileSystemXmlConfig(file.toFile()) : new ClasspathXmlConfig("cluster.xml");
      return clusterName == null ? hz : hz.setClusterName(clusterName);
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  public Hub hub() {
    return hub;
  }

  public Journal journal() {
    return journal;
  }

  /** Trims history to the namespaces' limits now (it also runs every minute). */
  public io.vertx.core.Future<Void> trimHistory() {
    return retention.trim();
  }

  public ClusterManager clusterManager() {
    return cluster;
  }

  @Override
  public void close() {
    try {
      vertx.close().await();
    } catch (RuntimeException e) {
      LOG.warn("Vert.x did not close cleanly", e);
    }
    database.close();
  }
}
