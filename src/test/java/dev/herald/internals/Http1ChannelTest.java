package dev.herald.internals;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import org.junit.jupiter.api.Test;

/** The layout the WebSocket takeover checks for, on pipelines a Vert.x upgrade might build. */
class Http1ChannelTest {

  /** Stands for Vert.x's connection handler. */
  static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  }

  @Test
  void theHttpDecoderAndEncoderAheadOfTheConnectionHandlerAreTakenOver() {
    assertThatCode(() -> Http1Channel.requireLayout(connectionHandler(
        "httpDecoder", new HttpRequestDecoder(), "httpEncoder", new HttpResponseEncoder(), "handler", new ConnectionHandler())))
        .doesNotThrowAnyException();
  }

  @Test
  void theServerCodecAheadOfTheConnectionHandlerIsTakenOver() {
    assertThatCode(() -> Http1Channel.requireLayout(
        connectionHandler("codec", new HttpServerCodec(), "handler", new ConnectionHandler()))).doesNotThrowAnyException();
  }

  @Test
  void aPipelineWithoutTheHttpCodecIsRefusedWithOneSentenceSayingWhatWasExpectedAndFound() {
    assertThatThrownBy(() -> Http1Channel.requireLayout(connectionHandler("handler", new ConnectionHandler())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Herald's WebSocket takeover expects Netty's HttpRequestDecoder and HttpResponseEncoder"
            + " (or an HttpServerCodec) ahead of Vert.x's connection handler ConnectionHandler and no WebSocket compression"
            + " handler, but this Vert.x's HTTP/1 pipeline is [handler: ConnectionHandler];"
            + " see dev.herald.internals on Vert.x upgrades");
  }

  @Test
  void aDecoderWithoutItsEncoderIsRefused() {
    // Netty's handshaker would fail on it with a NullPointerException, after swapping the decoder out
    assertThatThrownBy(() -> Http1Channel.requireLayout(connectionHandler(
        "httpDecoder", new HttpRequestDecoder(), "handler", new ConnectionHandler())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[httpDecoder: HttpRequestDecoder, handler: ConnectionHandler]");
  }

  @Test
  void aCodecBehindTheConnectionHandlerIsRefused() {
    assertThatThrownBy(() -> Http1Channel.requireLayout(connectionHandler(
        "handler", new ConnectionHandler(), "httpDecoder", new HttpRequestDecoder(), "httpEncoder", new HttpResponseEncoder())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is [handler: ConnectionHandler];");
  }

  /** A channel whose pipeline holds these (name, handler) pairs in order; the context of its ConnectionHandler. */
  private static ChannelHandlerContext connectionHandler(Object... namesAndHandlers) {
    EmbeddedChannel channel = new EmbeddedChannel();
    for (int i = 0; i < namesAndHandlers.length; i += 2) {
      channel.pipeline().addLast((String) namesAndHandlers[i], (ChannelHandler) namesAndHandlers[i + 1]);
    }
    return channel.pipeline().context(ConnectionHandler.class);
  }
}
