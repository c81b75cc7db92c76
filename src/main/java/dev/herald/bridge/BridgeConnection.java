package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/** The transport under a bridge socket: SockJS (any of its transports) or a raw WebSocket. */
interface BridgeConnection {

  /** The request URI of the handshake, with its query (where ?token= is). */
  String uri();

  void frameHandler(Handler<Buffer> handler);

  void closeHandler(Handler<Void> handler);

  /** A frame for this socket only (replies, errors). */
  void write(String frame);

  /**
   * A frame shared by every local subscriber, written without encoding it again where possible.
   * Called on the connection's event loop.
   */
  void write(EncodedFrame frame);

  /** Bytes of frames handed to this connection that have not reached the network yet; any thread may ask. */
  long unflushedBytes();

  /** Whether a queue the transport keeps itself is full (SockJS sessions queue bytes for polling clients). */
  boolean writeQueueFull();

  /** Called when the connection may have written out much of what it held (so its backlog is worth checking again). */
  void drainHandler(Handler<Void> handler);
}
