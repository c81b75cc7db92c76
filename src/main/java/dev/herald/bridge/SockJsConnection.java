package dev.herald.bridge;

import dev.herald.hub.EncodedFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** A SockJS session; its transports frame (and JSON-quote) each message per socket themselves. */
final class SockJsConnection implements BridgeConnection {

  private final SockJSSocket socket;

  SockJsConnection(SockJSSocket socket) {
    this.socket = socket;
  }

  @Override
  public String uri() {
    return socket.uri();
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    socket.handler(handler);
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
  public void write(EncodedFrame frame, Runnable written) {
    socket.write(frame.text()).onComplete(ar -> written.run());
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }
}
