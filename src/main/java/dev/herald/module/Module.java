package dev.herald.module;

import dev.herald.journal.CommitHook;
import io.vertx.core.Deployable;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * One feature of a node, as {@code Herald.start} composes it: a package brings one module, and a
 * module brings everything the node needs to know about the feature. Nothing else in the node names
 * a feature: the bridge serves the module's services and tells its listener about sockets, the
 * gateway mounts its routes, the journal runs its hooks inside the append transaction.
 *
 * <p>A module's service does its own access checks, once, for REST and bridge alike.
 */
public interface Module {

  /** What runs on contexts of its own (state confined to one thread), deployed before the node serves. */
  default List<Deployable> verticles() {
    return List.of();
  }

  /** Mounts the module's REST routes. */
  default void mount(Router router) {
  }

  /** The {@code herald.*} addresses the module answers on the bridge, and how. */
  default Map<String, BridgeService> bridgeServices() {
    return Map.of();
  }

  /**
   * Bridge subscriptions the module serves itself, by address prefix (e.g. {@code live:}): a
   * register of such an address goes to the module, not to a channel.
   */
  default Map<String, SubscriptionSource> subscriptionSources() {
    return Map.of();
  }

  /** What the module does when a socket subscribes, leaves, closes or changes identity. */
  default SocketListener socketListener() {
    return SocketListener.NONE;
  }

  /** Work that commits with the events (inside the append transaction). */
  default List<CommitHook<?, ?>> commitHooks() {
    return List.of();
  }
}
