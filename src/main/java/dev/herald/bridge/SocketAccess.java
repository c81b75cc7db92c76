package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.OnContext;
import dev.herald.module.SubscriptionSource;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a bridge socket is and what it is subscribed to: its identity (from {@code ?token=},
 * replaced by herald.auth, lasting until the token's exp), each subscription with the identity it
 * was granted under, and when they must be checked again. When an identity expires, or herald.auth
 * replaces the socket's, every subscription is checked again ({@link Recheck}) and those no longer
 * allowed end with an err.
 *
 * <p>Every change happens under one lock (the subscription map), so the modules' listeners hear
 * of subscriptions, leaves, changes of identity and the close in the order the socket's frames
 * came, and never after the close.
 */
final class SocketAccess {

  private final BridgeSocket socket;
  private final BridgeEndpoint bridge;
  /** Channel -> the subscription in force for it (from its register frame); also the lock. Sized for one. */
  private final Map<String, Subscription> subscribed = new ConcurrentHashMap<>(1);
  private volatile Future<Identity> identity;
  /** Where the socket is in the node's expiry order; null while none of its identities expires. Guarded by subscribed. */
  private ExpirySweep.Due due;
  private volatile boolean closed;

  SocketAccess(BridgeSocket socket, BridgeEndpoint bridge) {
    this.socket = socket;
    this.bridge = bridge;
  }

  /** The handshake's identity (anonymous without a token); the listeners hear of it once verified. */
  Future<Identity> start(Future<Identity> handshake) {
    identity = handshake;
    return handshake.onSuccess(who -> {
      synchronized (subscribed) { // never after the close handler told the listeners
        if (!closed) {
          bridge.listener.identityChanged(socket, Identity.ANONYMOUS, who);
          due = bridge.expiry.reschedule(due, socket, who.expiresAtMillis());
        }
      }
    });
  }

  /** The socket's identity as frames without a token of their own use it. */
  Future<Identity> identity() {
    return identity;
  }

  boolean closed() {
    return closed;
  }

  boolean subscribedTo(String channel) {
    return subscribed.containsKey(channel);
  }

  int size() {
    return subscribed.size();
  }

  /** A register frame's subscription, in force from now on (its replay is not queued yet). */
  Subscription add(String channel, Identity who, boolean ownToken) {
    Subscription subscription = new Subscription(who, ownToken);
    synchronized (subscribed) {
      subscribed.put(channel, subscription);
      if (ownToken && !closed && (due == null || who.expiresAtMillis() < due.at())) {
        due = bridge.expiry.reschedule(due, socket, who.expiresAtMillis());
      }
    }
    return subscription;
  }

  /**
   * The hub has the subscription in place. If the socket closed, unregistered or registered again
   * meanwhile, that frame's leave has already gone to the listeners: telling them of the
   * subscription now would leave a ghost (a presence member, say).
   */
  void inPlace(String channel, Subscription subscription, Identity granted, JsonObject headers) {
    synchronized (subscribed) {
      if (closed) {
        bridge.unsubscribe(socket, channel); // the socket went away while the subscription was being set up
      } else if (subscribed.get(channel) == subscription) {
        subscription.live = true;
        SubscriptionSource source = bridge.sourceOf(channel);
        if (source == null) {
          // its identity may have changed meanwhile (herald.auth, expiry): the listeners hear of the current one
          bridge.listener.subscribed(socket, subscription.who, channel, headers);
        } else if (subscription.who != granted) {
          source.reidentified(socket, channel, subscription.who);
        }
      }
    }
  }

  /** Setting the subscription up failed: it is not held (the listeners never heard of it). */
  void failed(String channel, Subscription subscription) {
    synchronized (subscribed) {
      subscribed.remove(channel, subscription);
    }
  }

  /** An unregister frame. */
  void unregister(String channel) {
    synchronized (subscribed) {
      leave(channel);
    }
  }

  /** The connection closed: the socket leaves every channel, and the listeners hear of it last. */
  void close() {
    synchronized (subscribed) {
      closed = true;
      due = bridge.expiry.reschedule(due, socket, Long.MAX_VALUE);
      subscribed.keySet().forEach(address -> {
        if (bridge.sourceOf(address) != null) {
          bridge.unsubscribe(socket, address);
        }
      });
      bridge.hub.unsubscribe(socket, List.copyOf(subscribed.keySet()));
      bridge.listener.closed(socket);
    }
  }

  /** herald.auth {token}: replaces the socket's identity and checks every subscription again. */
  Future<JsonObject> authenticate(JsonObject body) {
    Future<Identity> verified = bridge.credentials.verify(body.getValue("token"));
    return verified.map(who -> {
      synchronized (subscribed) { // never after the close handler told the listeners
        Identity previous = held();
        identity = verified;
        if (!closed) {
          bridge.listener.identityChanged(socket, previous, who);
          recheck("herald.auth replaced the socket's token");
        }
      }
      return new JsonObject().put("ok", true).put("sub", who.subject());
    });
  }

  /**
   * Called by the node's {@link ExpirySweep} once the earliest exp among the socket's identities
   * has passed: an expired socket identity becomes anonymous, then every subscription is checked again.
   */
  void expire() {
    OnContext.run(socket.context(), () -> {
      synchronized (subscribed) {
        if (closed) {
          return;
        }
        Identity held = held();
        if (held.expiredAt(System.currentTimeMillis())) {
          identity = Future.succeededFuture(Identity.ANONYMOUS);
          bridge.listener.identityChanged(socket, held, Identity.ANONYMOUS);
        }
        recheck("the token expired");
      }
    });
  }

  /** Checks every subscription again under the identity it now has ({@link Recheck}). Under the map's lock. */
  private void recheck(String why) {
    long earliest = Recheck.run(bridge::checkSubscribe, subscribed, held(), why, System.currentTimeMillis(), new Recheck.Outcome() {
      @Override
      public void ended(String channel, HeraldException error) {
        end(channel, error);
      }

      @Override
      public void reidentified(String channel, Subscription s, Identity before) {
        if (!s.live) {
          return; // inPlace tells of the identity it finds then
        }
        SubscriptionSource source = bridge.sourceOf(channel);
        if (source != null) {
          source.reidentified(socket, channel, s.who);
        } else {
          bridge.listener.reidentified(socket, channel, before, s.who);
        }
      }
    });
    due = bridge.expiry.reschedule(due, socket, earliest);
  }

  /** The subscription ends as an unregister would, and the client is told why. Under the map's lock. */
  private void end(String channel, HeraldException why) {
    leave(channel);
    // The err goes out after a round trip to the hub, which has then dropped the subscription: what
    // it wrote for the channel before is queued ahead of the err on this socket's loop, nothing after.
    // (A module's own subscription is told at once: its source stops writing as it unsubscribes.)
    Future<?> dropped = bridge.sourceOf(channel) == null ? bridge.hub.subscriberCount(channel) : Future.succeededFuture();
    dropped.onComplete(ar -> OnContext.run(socket.context(), () -> {
      if (!closed) {
        socket.sendErr(channel, why);
      }
    }));
  }

  /** Unsubscribes from the channel, if subscribed, and tells the listeners. Under the map's lock. */
  private void leave(String channel) {
    if (subscribed.remove(channel) != null) {
      bridge.unsubscribe(socket, channel);
      if (bridge.sourceOf(channel) == null) {
        bridge.listener.left(socket, channel);
      }
    }
  }

  /** The socket's identity as set (anonymous if its URL token was refused), expired or not. */
  private Identity held() {
    Future<Identity> current = identity;
    return current.succeeded() ? current.result() : Identity.ANONYMOUS;
  }
}
