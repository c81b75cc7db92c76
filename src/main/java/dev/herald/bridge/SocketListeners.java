package dev.herald.bridge;

import dev.herald.core.Identity;
import dev.herald.module.BridgeSession;
import dev.herald.module.SocketListener;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every module's socket listener as one: the bridge's single seam for a socket's lifecycle (as
 * vertx-web's bridge has one hook for every step). A module may refuse a subscription in
 * {@link #subscribing}; past that, one module's failure is logged and never keeps the others from
 * hearing about the socket.
 */
final class SocketListeners implements SocketListener {

  private static final Logger LOG = LoggerFactory.getLogger(SocketListeners.class);

  private final List<SocketListener> listeners;

  SocketListeners(List<SocketListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public void subscribing(BridgeSession socket, Identity who, String channel, JsonObject headers) {
    for (SocketListener l : listeners) {
      l.subscribing(socket, who, channel, headers);
    }
  }

  @Override
  public void subscribed(BridgeSession socket, Identity who, String channel, JsonObject headers) {
    each(l -> l.subscribed(socket, who, channel, headers));
  }

  @Override
  public void left(BridgeSession socket, String channel) {
    each(l -> l.left(socket, channel));
  }

  @Override
  public void closed(BridgeSession socket) {
    each(l -> l.closed(socket));
  }

  @Override
  public void identityChanged(BridgeSession socket, Identity before, Identity after) {
    each(l -> l.identityChanged(socket, before, after));
  }

  @Override
  public void reidentified(BridgeSession socket, String channel, Identity before, Identity after) {
    each(l -> l.reidentified(socket, channel, before, after));
  }

  private void each(Consumer<SocketListener> call) {
    for (SocketListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.error("socket listener {} failed", l.getClass().getSimpleName(), e);
      }
    }
  }
}
