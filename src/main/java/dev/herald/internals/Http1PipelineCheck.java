package dev.herald.internals;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;

/**
 * The start-up check that this Vert.x still builds HTTP/1 connections the way Herald's WebSocket
 * takeover expects ({@link Http1Channel}): a node that would fail every WebSocket upgrade refuses to
 * start instead, with one sentence saying what changed. It asks a real connection: a throw-away
 * server on a loopback port, built like the node's own, answers one request.
 */
public final class Http1PipelineCheck {

  private static final long REQUEST_TIMEOUT_MS = 10_000;

  private Http1PipelineCheck() {
  }

  /**
   * Succeeds when an HTTP/1 connection of a server with these options can be taken over; fails with
   * {@link Http1Channel#of}'s sentence otherwise. Pass the options of the server that serves the
   * WebSockets (their port and host are not used: the check listens on 127.0.0.1, any free port).
   */
  public static Future<Void> verify(Vertx vertx, HttpServerOptions serverOptions) {
    Promise<Void> layout = Promise.promise();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions(serverOptions).setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> {
          try {
            Http1Channel.of(request.connection());
            layout.tryComplete();
          } catch (IllegalStateException e) {
            layout.tryFail(e);
          }
          request.response().end();
        });
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
    return server.listen()
        .compose(listening -> client.request(new RequestOptions().setHost("127.0.0.1").setPort(listening.actualPort())
            .setURI("/").setIdleTimeout(REQUEST_TIMEOUT_MS)))
        // the body is never read: body() on a response whose end already went by waits forever
        .compose(request -> request.send())
        .compose(answered -> layout.future())
        .timeout(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .eventually(client::close)
        .eventually(server::close);
  }
}
