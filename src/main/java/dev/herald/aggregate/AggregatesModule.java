package dev.herald.aggregate;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import dev.herald.hub.Hub;
import dev.herald.journal.CommitHook;
import dev.herald.module.BridgeService;
import dev.herald.module.BridgeSession;
import dev.herald.module.Module;
import dev.herald.module.SocketListener;
import dev.herald.wire.Frames;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Live aggregates, over events or over a collection's documents: folded inside the append (or
 * document write) transaction (a commit hook), paced out to subscribers
 * of their snapshot channels, read and recomputed over REST. A socket that subscribes to a
 * snapshot channel gets the current snapshot first.
 */
public final class AggregatesModule implements Module {

  private final AggregateStore store;
  private final SnapshotPacer pacer;
  private final AggregateService service;
  private final Authenticator auth;

  /** {@code collections}: the names of the document collections declared, which aggregates may fold. */
  public AggregatesModule(JsonObject conf, Set<String> collections, Pool pool, Hub hub, Namespaces namespaces, Authenticator auth) {
    AggregateDefinitions definitions = new AggregateDefinitions(collections, conf);
    this.store = new AggregateStore(definitions, pool);
    this.pacer = new SnapshotPacer(definitions, target -> store.read(target.definition(), target.group()),
        s -> hub.deliverVersioned(s.channel(), s.version(), Frames.ephemeral(s.channel(), "aggregate.snapshot", s.json())),
        SnapshotPacer.IDLE);
    store.onChange(pacer::publish);
    this.service = new AggregateService(definitions, store, namespaces);
    this.auth = auth;
  }

  @Override
  public List<Deployable> verticles() {
    return List.of(pacer);
  }

  @Override
  public void mount(Router router) {
    new AggregateRoutes(service, auth).mount(router);
  }

  /**
   * herald.aggregate {name, group?}: the snapshot as REST reads it, with the channel its next
   * snapshots go to (what a client subscribes to next).
   */
  @Override
  public Map<String, BridgeService> bridgeServices() {
    return Map.of("herald.aggregate", (socket, who, body) -> {
      Object group = body.getValue("group");
      if (!(body.getValue("name") instanceof String name) || group != null && !(group instanceof String)) {
        throw HeraldException.badRequest("invalid_body", "herald.aggregate takes {name, group?}, both strings");
      }
      return service.read(who, name, (String) group).map(Snapshot::answer);
    });
  }

  /** An aggregate's current totals, as a server (an API key) reads them. */
  public Future<JsonObject> values(String name) {
    return service.read(Identity.SERVER, name, null).map(s -> s.json().getJsonObject("values"));
  }

  @Override
  public List<CommitHook<?, ?>> commitHooks() {
    return List.of(store);
  }

  @Override
  public SocketListener socketListener() {
    return new SocketListener() {
      @Override
      public void subscribed(BridgeSession socket, Identity who, String channel, JsonObject headers) {
        pacer.subscribed(channel);
      }
    };
  }
}
