package dev.herald.bridge;

import dev.herald.hub.EncodedFrame;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * A plain WebSocket at /eventbus/websocket. Deliveries are written as TEXT frames straight from the
 * frame's shared UTF-8 bytes: no per-socket encoding. (Vert.x's public API only makes text frames
 * from a String, hence its frame class.)
 */
final class RawWebSocketConnection implements BridgeConnection {

  private final ServerWebSocket ws;

  RawWebSocketConnection(ServerWebSocket ws) {
    this.ws = ws;
  }

  @Override
  public String uri() {
    return ws.uri();
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    ws.textMessageHandler(text -> handler.handle(Buffer.buffer(text)));
    ws.binaryMessageHandler(handler);
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    ws.closeHandler(handler);
  }

  @Override
  public void write(String frame) {
    ws.writeTextMessage(frame);
  }

  @Override
  public Future<Void> write(EncodedFrame frame) {
    return ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame.utf8()), true));
  }

  @Override
  public boolean writeQueueFull() {
    return false; // this connection has no queue of its own beyond what Backlog counts
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    ws.drainHandler(handler);
  }
}
