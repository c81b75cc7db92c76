package dev.herald.module;

import dev.herald.core.Identity;
import dev.herald.hub.Subscriber;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Subscriptions a module serves itself rather than a channel's feed (live queries): the bridge hands
 * it every {@code register} whose address starts with the module's prefix, and keeps the
 * subscription's lifecycle as for channels (unregister, close, the socket's identity changing).
 * The module decides who may read what; no namespace rule applies. Calls come from any thread.
 */
public interface SubscriptionSource {

  /**
   * Starts the subscription: frames go to {@code socket} on {@code address}. Completes once it is in
   * place (its first frame queued); a failure (a HeraldException: bad headers, unknown address, the
   * store unreachable) becomes an err to the address. Registers count against their address's
   * namespace limits (subscribe.perSocket / perUser), as channels' do.
   */
  Future<Void> subscribe(Subscriber socket, Identity who, String address, JsonObject headers);

  /** Ends it (unregister, close, or the bridge ended it); nothing more goes to the socket on the address. */
  void unsubscribe(Subscriber socket, String address);

  /** The subscription is held by {@code who} from now on: herald.auth replaced the socket's token, or it expired. */
  void reidentified(Subscriber socket, String address, Identity who);
}
