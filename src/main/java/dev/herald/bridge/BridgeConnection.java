package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * The transport under a bridge socket: SockJS (any of its transports) or a raw WebSocket. A
 * transport stops taking frames from a client while its backlog is over the bound (see {@link
 * Backlog}) and closes it with 1013 when that lasts, so replies cannot pile up for a client that
 * does not read.
 */
interface BridgeConnection {

  /** The request URI of the handshake, with its query (where ?token= is). */
  String uri();

  /** The transport, as /metrics labels connections: websocket, sockjs-websocket or sockjs-http. */
  String transport();

  void frameHandler(Handler<Buffer> handler);

  void closeHandler(Handler<Void> handler);

  /** A frame for this socket only (replies, errors). */
  void write(String frame);

  /**
   * A frame shared by every local subscriber, written without encoding it again where possible.
   * Called on the connection's event loop.
   */
  void write(EncodedFrame frame);

  /**
   * Whether the connection holds {@link Backlog#SLOW_BYTES} or more of frames that have not reached
   * the network, or a queue it keeps itself is full (SockJS sessions queue bytes for polling
   * clients); any thread may ask.
   */
  boolean slow();

  /** Whether it is back to {@link Backlog#DRAINED_BYTES} or less, and a queue of its own has room; any thread may ask. */
  boolean drained();

  /** Called when the connection may have written out much of what it held (so its backlog is worth checking again). */
  void drainHandler(Handler<Void> handler);

  /**
   * Closes the connection with a WebSocket close status (1008 policy violation, 1013 try again
   * later...) after what was written before; any thread may call.
   */
  void close(int status, String reason);
}
