package dev.herald.bridge;

import dev.herald.internals.EventLoopContexts;
import dev.herald.wire.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket Herald runs itself: the last handler of its Netty channel once
 * {@link WebSocketUpgrade} took the connection over from Vert.x. Netty's codec reads and writes
 * frames and joins fragmented messages; this answers pings and close frames and hands messages to
 * the bridge. Deliveries go out as the node's one pre-built frame ({@link WebSocketWire}), so
 * netty's outbound buffer holds what a socket has not flushed yet, and the channel's write-buffer
 * watermarks, set at the {@link Backlog}'s thresholds, tell when it is slow. A slow socket is not
 * read (its requests would only add replies to what it does not read) until it drains; still slow
 * after the grace period, it is closed with 1013. Subclasses say how bridge
 * frames are carried: as they are ({@link RawWebSocketConnection}) or in SockJS's framing
 * ({@link SockJsWebSocketConnection}). The bridge's handlers run on the socket's Vert.x context,
 * whose event loop is the channel's.
 */
abstract class WebSocketConnection extends ChannelDuplexHandler implements BridgeConnection {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketConnection.class);
  /**
   * Netty turns a channel unwritable once it holds more than the high mark and writable again once
   * it holds less than the low one; the backlog counts {@link Backlog#SLOW_BYTES} as slow and
   * {@link Backlog#DRAINED_BYTES} as drained, hence one byte inside each.
   */
  private static final WriteBufferWaterMark BACKLOG_MARKS =
      new WriteBufferWaterMark((int) Backlog.DRAINED_BYTES + 1, (int) Backlog.SLOW_BYTES - 1);
  /** Try again later: the client may reconnect and resume from the last seq it saw. */
  static final WebSocketCloseStatus NOT_READING = new WebSocketCloseStatus(1013, "not reading; reconnect and resume");
  /** How long a close frame may wait behind what the client does not read before the connection is closed anyway. */
  private static final long CLOSE_TIMEOUT_SECONDS = 10;

  private final String uri;
  private final Context context;
  /** How long the socket may stay slow unread before it is closed (one instance for the node). */
  private final Duration slowGrace;
  private ChannelHandlerContext channel;
  private Handler<Buffer> frameHandler;
  private Handler<Void> closeHandler;
  private Handler<Void> drainHandler;
  /** While slow: the end of the grace period; once closing: the forced close. Null otherwise; on the event loop. */
  private ScheduledFuture<?> timer;
  /** A close frame went out: nothing may follow it. Set on the event loop; writers may be elsewhere. */
  private volatile boolean closing;

  WebSocketConnection(String uri, Context context, Duration slowGrace) {
    this.uri = uri;
    this.context = context;
    this.slowGrace = slowGrace;
  }

  /** This socket's own frame (a reply, an error) as the transport carries it. */
  abstract String wireText(String frame);

  /** The node's shared frame for a delivery, as the transport carries it; written as duplicates. */
  abstract ByteBuf sharedFrame(EncodedFrame frame);

  /**
   * A message from the client: hand its bridge frames to {@link #received(Buffer)}, or close the
   * socket with {@link #closeWith} when it breaks the transport's framing.
   */
  abstract void message(ChannelHandlerContext ctx, WebSocketFrame message);

  /** The socket is open and the handshake answered: the transport may greet the client. */
  void opened(ChannelHandlerContext ctx) {
  }

  /** The server is closing the socket with this status: the transport may say so in its own framing first. */
  void goingAway(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
  }

  /** The channel closed: the transport drops what it scheduled. */
  void closed() {
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx;
    ctx.channel().config().setWriteBufferWaterMark(BACKLOG_MARKS);
    opened(ctx);
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    frameHandler = handler;
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    closeHandler = handler;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
  }

  @Override
  public void write(String frame) {
    writeText(channel, wireText(frame));
  }

  /** Writes text as it is (a transport's own frames); nothing once the close frame went out. */
  void writeText(ChannelHandlerContext ctx, String text) {
    if (!closing) {
      ctx.writeAndFlush(new TextWebSocketFrame(text));
    }
  }

  @Override
  public void write(EncodedFrame frame) {
    if (!closing) {
      // no promise: netty's outbound buffer counts what is unflushed, and a failed write closes the channel
      channel.writeAndFlush(sharedFrame(frame).duplicate(), channel.voidPromise());
    }
  }

  @Override
  public boolean slow() {
    // Not !isWritable(): a channel stays unwritable while it drains from SLOW_BYTES down to DRAINED_BYTES,
    // where the backlog counts it neither slow nor drained. What netty says is left to flush before
    // the channel is writable again counts from the low mark, i.e. from DRAINED_BYTES.
    Channel ch = channel.channel();
    return ch.isOpen() && ch.bytesBeforeWritable() >= Backlog.SLOW_BYTES - Backlog.DRAINED_BYTES;
  }

  @Override
  public boolean drained() {
    Channel ch = channel.channel();
    return ch.isWritable() || !ch.isOpen(); // netty calls a closed channel unwritable; it holds nothing
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof PingWebSocketFrame ping) {
        if (!closing) {
          ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        }
      } else if (msg instanceof CloseWebSocketFrame close) {
        if (!closing) {
          // the closing handshake: echo the status, then the server closes the connection (RFC 6455 5.5.1, 7.1.1)
          sendClose(ctx, new CloseWebSocketFrame(true, 0, close.content().retain()), ctx.newPromise());
        }
      } else if ((msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) && !closing) {
        message(ctx, (WebSocketFrame) msg);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Hands one bridge frame to the bridge socket. */
  void received(Buffer frame) {
    emit(frameHandler, frame);
  }

  @Override
  public void close(int status, String reason) {
    WebSocketCloseStatus closeStatus = new WebSocketCloseStatus(status, reason);
    if (channel.executor().inEventLoop()) {
      closeWith(channel, closeStatus);
    } else {
      channel.executor().execute(() -> closeWith(channel, closeStatus));
    }
  }

  /** Closes the socket with a close frame carrying the status. */
  void closeWith(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
    if (!closing) {
      goingAway(ctx, status);
      sendClose(ctx, new CloseWebSocketFrame(status), ctx.newPromise());
    }
  }

  /** The channel is closed from outside (the server shutting down): a close frame says so first. */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (closing || !ctx.channel().isActive()) {
      ctx.close(promise);
    } else {
      goingAway(ctx, WebSocketCloseStatus.ENDPOINT_UNAVAILABLE);
      sendClose(ctx, new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE), promise);
    }
  }

  /**
   * Writes the socket's last frame, then closes the channel (without waiting for the peer's close
   * frame); after {@link #CLOSE_TIMEOUT_SECONDS} at the latest, if the client reads nothing.
   */
  private void sendClose(ChannelHandlerContext ctx, CloseWebSocketFrame frame, ChannelPromise closed) {
    closing = true;
    cancelTimer();
    // read (and drop) what the client still sends: closing with unread bytes would reset the
    // connection, and the client would lose the close frame and what came before it
    ctx.channel().config().setAutoRead(true);
    AtomicBoolean once = new AtomicBoolean();
    Runnable close = () -> {
      if (once.compareAndSet(false, true)) {
        ctx.close(closed);
      }
    };
    ScheduledFuture<?> forced = ctx.executor().schedule(close, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    timer = forced;
    ctx.writeAndFlush(frame).addListener(f -> {
      forced.cancel(false);
      close.run();
    });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    closed();
    emit(closeHandler, null);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      if (!closing) { // a closing socket's timer is the forced close, and it reads anyway
        cancelTimer();
        ctx.channel().config().setAutoRead(true);
      }
      emit(drainHandler, null);
    } else if (!closing && timer == null) {
      ctx.channel().config().setAutoRead(false);
      timer = ctx.executor().schedule(() -> closeWith(ctx, NOT_READING), slowGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      return; // a fragmented message over the limit: the aggregator drops it and the socket stays, as with Vert.x
    }
    LOG.debug("closing WebSocket {}: {}", ctx.channel(), cause.toString());
    if (cause instanceof CorruptedWebSocketFrameException broken && !closing) {
      // a frame that breaks the protocol or the size limit: say which (1002, 1009...) before closing
      closeWith(ctx, broken.closeStatus());
    } else {
      ctx.close();
    }
  }

  private <T> void emit(Handler<T> handler, T event) {
    if (handler != null) {
      EventLoopContexts.emit(context, event, handler);
    }
  }
}
