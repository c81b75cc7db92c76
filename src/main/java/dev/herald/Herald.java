package dev.herald;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import dev.herald.aggregate.AggregatesModule;
import dev.herald.api.ApiDocsModule;
import dev.herald.api.GatewayVerticle;
import dev.herald.api.HealthModule;
import dev.herald.bridge.BridgeEndpoint;
import dev.herald.channels.Channels;
import dev.herald.channels.ChannelsModule;
import dev.herald.core.Authenticator;
import dev.herald.core.ClusterMembers;
import dev.herald.core.Database;
import dev.herald.core.Drain;
import dev.herald.core.HeraldConfig;
import dev.herald.core.Namespaces;
import dev.herald.core.StartupFailure;
import dev.herald.dev.DevMode;
import dev.herald.dev.DevModule;
import dev.herald.dev.InvoiceDesk;
import dev.herald.dev.SampleChainhook;
import dev.herald.dev.TokenSaleDesk;
import dev.herald.documents.DocumentsModule;
import dev.herald.hub.Hub;
import dev.herald.inbox.InboxModule;
import dev.herald.internals.Http1PipelineCheck;
import dev.herald.journal.Journal;
import dev.herald.journal.Retention;
import dev.herald.metrics.MetricsModule;
import dev.herald.module.Module;
import dev.herald.outbound.OutboundModule;
import dev.herald.presence.PresenceModule;
import dev.herald.webhooks.WebhooksModule;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
  private final List<Module> modules;
  private final Drain drain;
  private final BridgeEndpoint bridge;

  private Herald(HeraldConfig config, Database database, Vertx vertx, ClusterManager cluster, Hub hub,
      Journal journal, Retention retention, List<Module> modules, Drain drain, BridgeEndpoint bridge) {
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.cluster = cluster;
    this.hub = hub;
    this.journal = journal;
    this.retention = retention;
    this.modules = modules;
    this.drain = drain;
    this.bridge = bridge;
  }

  public static void main(String[] args) {
    // cluster.xml asks for slf4j as well, but Hazelcast logs to stderr through java.util.logging while
    // it reads that file, which would bury a start-up failure's one line
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    JsonObject overrides = new JsonObject();
    for (String arg : args) {
      if (arg.equals("--cluster")) {
        overrides.put("cluster", true);
      } else {
        System.err.println("unknown argument " + arg + "; usage: java -jar herald.jar [--cluster]");
        System.exit(2);
      }
    }
    HeraldConfig config;
    try {
      config = HeraldConfig.load(System.getenv(), overrides);
    } catch (IllegalArgumentException e) { // HeraldConfig's sentence about the operator's config file
      giveUp(e.getMessage());
      return;
    }
    try {
      Herald herald = start(config);
      Runtime.getRuntime().addShutdownHook(new Thread(herald::close, "herald-shutdown"));
    } catch (StartupFailure e) {
      LOG.debug("start-up failed", e);
      giveUp(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("start-up failed", e); // unforeseen: the stack trace is for whoever fixes it
      giveUp(StartupFailure.rootMessage(e) + " (see the log above)");
    }
  }

  /**
   * One line an operator can act on, and exit 1. start() has already closed what it opened, so the
   * node has left the cluster; without exit() the JVM could linger on threads nobody stops.
   */
  private static void giveUp(String reason) {
    System.err.println("herald: cannot start: " + reason);
    System.exit(1);
  }

  /**
   * Starts a node and blocks until it serves. Call from a plain thread (main or a test), not an event
   * loop. A failure closes what was opened (Vert.x, so the node leaves the cluster, and the database)
   * and throws; a {@link StartupFailure} says what the operator should do.
   */
  public static Herald start(HeraldConfig configured) {
    boolean devForced = configured.dev().equals("true");
    HeraldConfig config = DevMode.apply(configured);
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
    } catch (Exception e) { // await() rethrows a checked cause unchecked: catch RuntimeException would miss it
      database.close();
      throw new StartupFailure("cannot join the cluster: " + StartupFailure.rootMessage(e),
          "check cluster.xml and HERALD_CLUSTER_HOST", e);
    }
    Pool pool = database.createPool(vertx, config.dbPoolSize(), config.dbPoolWaitQueue());
    Drain drain = new Drain();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Herald herald;
    try {
      Authenticator auth = new Authenticator(vertx, config);
      // retention gets a connection of its own: a long delete must never hold up appends
      Retention retention = new Retention(database.createPool(vertx, 1, config.dbPoolWaitQueue()), namespaces);
      Journal journal = new Journal(pool, events -> {
        Hub.broadcast(vertx.eventBus(), events);
        retention.appended(events);
      }, registry);
      Hub hub = new Hub(journal, registry);
      PresenceModule presence = new PresenceModule(hub, cluster, namespaces, auth);
      DocumentsModule documents = new DocumentsModule(config.collections(), pool, journal, hub, auth);
      Channels channels = new Channels(journal, namespaces);
      AggregatesModule aggregates = new AggregatesModule(config.aggregates(), config.collections().fieldNames(), pool, hub, namespaces, auth);
      InboxModule inbox = new InboxModule(config.inbox(), pool, journal, auth);
      List<Module> modules = new ArrayList<>(List.of(
          new ChannelsModule(channels, auth),
          presence,
          aggregates,
          documents,
          inbox,
          new WebhooksModule(config.webhooks(), pool, journal, documents.changes(), auth),
          new OutboundModule(config.outbound(), pool, presence.onlineUsers(), auth),
          new HealthModule(pool, cluster, drain),
          new MetricsModule(registry, hub, pool, config.dbPoolSize(), cluster),
          new ApiDocsModule()));
      if (config.dev().equals("true")) {
        modules.add(new DevModule(vertx, config, devForced));
        modules.add(new TokenSaleDesk(vertx, channels, aggregates, documents, auth));
        modules.add(new SampleChainhook(vertx, config, auth));
        modules.add(new InvoiceDesk(documents, inbox, auth));
      }
      BridgeEndpoint bridge = new BridgeEndpoint(hub, auth, namespaces, modules, config, drain, registry);
      herald = new Herald(config, database, vertx, cluster, hub, journal, retention, modules, drain, bridge);
      modules.forEach(m -> m.commitHooks().forEach(journal::addHook));
      vertx.deployVerticle(hub).await();
      ClusterMembers.whenMemberLeaves(cluster, member -> hub.nodeLeft());
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
      vertx.deployVerticle(() -> new GatewayVerticle(config, drain, registry, routes),
          new DeploymentOptions().setInstances(config.gatewayInstances()))
          .recover(e -> Future.failedFuture(listenFailure(config.port(), e)))
          .await();
    } catch (Exception e) { // as above: a BindException once went past a catch of RuntimeException, leaving the node up
      try {
        vertx.close().await();
      } catch (Exception closing) {
        LOG.warn("Vert.x did not close cleanly after a failed start: {}", closing.getMessage());
      } finally {
        database.close();
      }
      throw e instanceof RuntimeException unchecked ? unchecked : new IllegalStateException(e);
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

  /** The HTTP port could not be bound: say which and how to change it; any other failure passes through. */
  private static Throwable listenFailure(int port, Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException io) {
        return String.valueOf(io.getMessage()).contains("Address already in use")
            ? new StartupFailure("port " + port + " is in use", "set HERALD_PORT to another port", e)
            : new StartupFailure("cannot listen on port " + port + ": " + io.getMessage(), "set HERALD_PORT to another port", e);
      }
    }
    return e;
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

  /** The features this node serves, as it composed them. */
  public List<Module> modules() {
    return modules;
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

  /** Turns the node not ready, turns new requests away and sends its sockets elsewhere; close() then finishes the stop. */
  public void beginDrain() {
    drain.begin();
    bridge.closeAll();
  }

  /**
   * Stops gracefully (SIGTERM runs this): the node turns not ready and turns new requests away
   * (503), tells its sockets to reconnect elsewhere (1012), lets the requests in flight finish,
   * their commits included, for up to drainTimeout, then leaves the cluster and closes.
   */
  @Override
  public void close() {
    beginDrain();
    try {
      if (!drain.awaitIdle(System.nanoTime() + config.drainTimeout().toNanos())) {
        LOG.warn("requests were still in flight after drainTimeout ({}); closing anyway", config.drainTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      vertx.close().await();
    } catch (RuntimeException e) {
      LOG.warn("Vert.x did not close cleanly", e);
    }
    database.close();
  }
}
