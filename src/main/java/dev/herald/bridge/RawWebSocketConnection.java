package dev.herald.bridge;

import dev.herald.hub.EncodedFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * A plain WebSocket at /eventbus/websocket. Deliveries go out as the node's one pre-built TEXT frame
 * ({@link WebSocketWire}), written to the socket's channel on its event loop; where that is not
 * possible, as a TEXT frame made from the shared UTF-8 bytes through Vert.x (whose public API only
 * makes text frames from a String, hence its frame class). Either way, no per-socket encoding.
 * Replies and errors go through Vert.x; a delivery may overtake one that Vert.x holds back while
 * the socket's buffer is full (the protocol does not order them).
 */
final class RawWebSocketConnection implements BridgeConnection {

  private final ServerWebSocket ws;
  private final ChannelHandlerContext channel;

  RawWebSocketConnection(ServerWebSocket ws) {
    this.ws = ws;
    this.channel = WebSocketWire.channel(ws);
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
  public void write(EncodedFrame frame, Runnable written) {
    if (channel != null && channel.executor().inEventLoop()) {
      if (ws.isClosed()) {
        written.run(); // nothing may follow a close frame
        return;
      }
      channel.writeAndFlush(WebSocketWire.textFrame(frame).duplicate()).addListener(f -> written.run());
    } else {
      ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame.utf8()), true))
          .onComplete(ar -> written.run());
    }
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
