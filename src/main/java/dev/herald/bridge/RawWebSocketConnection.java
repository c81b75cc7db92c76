package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;

/** The plain WebSocket at /eventbus/websocket: each WebSocket message is one bridge frame. */
final class RawWebSocketConnection extends WebSocketConnection {

  RawWebSocketConnection(String uri, Context context, Duration slowGrace) {
    super(uri, context, slowGrace);
  }

  @Override
  String wireText(String frame) {
    return frame;
  }

  @Override
  ByteBuf sharedFrame(EncodedFrame frame) {
    return WebSocketWire.rawFrame(frame);
  }

  @Override
  void message(ChannelHandlerContext ctx, WebSocketFrame message) {
    // binary messages too, as Vert.x's binaryMessageHandler gave them: the bridge refuses what is no JSON
    received(Buffer.buffer(ByteBufUtil.getBytes(message.content())));
  }

  @Override
  public String transport() {
    return "websocket";
  }
}
