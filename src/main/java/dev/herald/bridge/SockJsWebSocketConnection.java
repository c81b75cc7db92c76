package dev.herald.bridge;

import dev.herald.wire.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * SockJS's websocket transport ({@code /eventbus/{server}/{session}/websocket}), the one browsers
 * on the official client use: bridge frames travel in SockJS's framing ({@link SockJsFraming}).
 * Served here rather than by Vert.x's SockJS handler so that deliveries are one shared frame per
 * node and netty's outbound buffer tells how far behind the socket is, as on the raw endpoint.
 */
final class SockJsWebSocketConnection extends WebSocketConnection {

  /** As Vert.x's SockJS default: often enough for proxies that drop idle connections after 30-60 s. */
  private static final long HEARTBEAT_SECONDS = 25;

  private ScheduledFuture<?> heartbeat;

  SockJsWebSocketConnection(String uri, Context context, Duration slowGrace) {
    super(uri, context, slowGrace);
  }

  @Override
  void opened(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return; // gone before it opened: no close event would come to cancel a heartbeat
    }
    writeText(ctx, SockJsFraming.OPEN);
    heartbeat = ctx.executor().scheduleAtFixedRate(() -> writeText(ctx, SockJsFraming.HEARTBEAT),
        HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  void goingAway(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
    writeText(ctx, SockJsFraming.closeFrame(status.code(), status.reasonText()));
  }

  @Override
  void closed() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
  }

  @Override
  String wireText(String frame) {
    return SockJsFraming.messageFrame(frame);
  }

  @Override
  ByteBuf sharedFrame(EncodedFrame frame) {
    return WebSocketWire.sockJsFrame(frame);
  }

  @Override
  void message(ChannelHandlerContext ctx, WebSocketFrame message) {
    if (!(message instanceof TextWebSocketFrame text)) {
      return; // SockJS speaks text only; Vert.x's transport ignored binary messages too
    }
    List<String> frames = SockJsFraming.decode(text.text());
    if (frames == null) {
      closeWith(ctx, WebSocketCloseStatus.INVALID_PAYLOAD_DATA); // broken framing closes the session, as in SockJS
      return;
    }
    frames.forEach(frame -> received(Buffer.buffer(frame)));
  }

  @Override
  public String transport() {
    return "sockjs-websocket";
  }
}
