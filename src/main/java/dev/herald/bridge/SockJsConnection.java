package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SockJS session on one of its HTTP transports (xhr, eventsource...); its transports frame (and
 * JSON-quote) each message per socket themselves. Vert.x keeps what a client sends while the session
 * is paused, however much it is, so a slow session is not paused: a frame that comes while the
 * session is over its bound closes it with 1013 instead (a client that polls drains its session at
 * each poll; one that does not cannot be answered).
 */
final class SockJsConnection implements BridgeConnection {

  private final SockJSSocket socket;
  /** Vert.x completes a SockJS write once the transport took it; until then it counts as unflushed. */
  private final AtomicLong unflushed = new AtomicLong();
  private volatile Handler<Void> drainHandler;

  SockJsConnection(SockJSSocket socket) {
    this.socket = socket;
  }

  @Override
  public String uri() {
    return socket.uri();
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    socket.handler(frame -> {
      if (slow()) {
        close(WebSocketConnection.NOT_READING.code(), WebSocketConnection.NOT_READING.reasonText());
      } else {
        handler.handle(frame);
      }
    });
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
  }

  @Override
  public void write(String frame) {
    socket.write(frame);
  }

  @Override
  public void write(EncodedFrame frame) {
    int bytes = frame.size();
    unflushed.addAndGet(bytes);
    try {
      socket.write(frame.text()).onComplete(ar -> written(bytes));
    } catch (RuntimeException closedMeanwhile) {
      written(bytes); // its close handler takes the socket out of the hub
    }
  }

  private void written(int bytes) {
    unflushed.addAndGet(-bytes);
    Handler<Void> handler = drainHandler;
    if (handler != null) {
      handler.handle(null);
    }
  }

  @Override
  public boolean slow() {
    return unflushed.get() >= Backlog.SLOW_BYTES || sessionQueueFull();
  }

  @Override
  public boolean drained() {
    return unflushed.get() <= Backlog.DRAINED_BYTES && !sessionQueueFull();
  }

  /** Vert.x's queue for a polling client; a session that closed meanwhile may throw instead of answering: not full then. */
  private boolean sessionQueueFull() {
    try {
      return socket.writeQueueFull();
    } catch (RuntimeException closed) {
      return false;
    }
  }

  @Override
  public void close(int status, String reason) {
    socket.close(status, reason);
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler; // also told after each completed write: this connection counts its own bytes
    socket.drainHandler(handler);
  }

  @Override
  public String transport() {
    return "sockjs-http";
  }
}
