package dev.herald.internals;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.api.GatewayVerticle;
import dev.herald.core.HeraldConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The start-up check against the Vert.x Herald is built with: its HTTP/1 connections can be taken over. */
class Http1PipelineCheckTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void theGatewaysHttpServerPassesTheCheck() {
    HttpServerOptions gateway = GatewayVerticle.serverOptions(HeraldConfig.load(Map.of(), new JsonObject()));
    assertThatCode(() -> Http1PipelineCheck.verify(vertx, gateway).await()).doesNotThrowAnyException();
  }

  @Test
  void httpCompressionPassesForItsHandlersSitBetweenTheCodecAndTheConnectionHandler() {
    HttpServerOptions compressing = new HttpServerOptions().setCompressionSupported(true).setDecompressionSupported(true)
        .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
    assertThatCode(() -> Http1PipelineCheck.verify(vertx, compressing).await()).doesNotThrowAnyException();
  }

  @Test
  void aServerOfferingWebSocketCompressionIsRefusedWithWhatItsPipelineHolds() {
    // Vert.x's defaults: its extension handler would accept permessage-deflate for frames Herald never compresses
    assertThatThrownBy(() -> Http1PipelineCheck.verify(vertx, new HttpServerOptions()).await())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Herald's WebSocket takeover expects Netty's HttpRequestDecoder and HttpResponseEncoder")
        .hasMessageContaining("webSocketExtensionHandler: WebSocketServerExtensionHandler");
  }
}
