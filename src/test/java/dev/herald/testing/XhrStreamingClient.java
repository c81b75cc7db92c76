package dev.herald.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A browser stand-in on SockJS's xhr-streaming fallback (what sockjs-client uses where WebSockets
 * are blocked): Herald streams frames, one per line, in the response to a POST to
 * {@code .../xhr_streaming}, ending it after a while so the client posts again; the client sends
 * with a POST to {@code .../xhr_send}. The streams run with a tiny TCP receive window, so that
 * pausing the client soon fills Herald's side.
 */
public final class XhrStreamingClient extends BridgeFrameClient {

  private final HttpClient streams;
  private final HttpClient sends;
  private final int port;
  private final String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder(); // only touched on the stream's event loop
  private volatile HttpClientResponse current;
  private volatile boolean paused;
  private volatile boolean closing;

  private XhrStreamingClient(int port) {
    this.port = port;
    this.streams = CLIENTS.createHttpClient(new HttpClientOptions().setReceiveBufferSize(4096));
    this.sends = CLIENTS.createHttpClient();
  }

  /** Opens a session (the first stream answers "o") and returns once it is open. */
  public static XhrStreamingClient connectWithSmallWindow(int port) {
    XhrStreamingClient client = new XhrStreamingClient(port);
    client.openStream();
    try {
      client.opened.get(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no SockJS session opened", e);
    }
    return client;
  }

  private RequestOptions post(String transport) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(session + "/" + transport);
  }

  /** One streaming response; when Herald ends it, the next is requested, as sockjs-client does. */
  private void openStream() {
    streams.request(post("xhr_streaming")).compose(request -> request.send()).onComplete(ar -> {
      if (ar.failed()) {
        opened.completeExceptionally(ar.cause());
        return;
      }
      HttpClientResponse response = ar.result();
      current = response;
      if (paused) {
        response.pause();
      }
      response.handler(this::chunk);
      response.endHandler(v -> {
        if (!closing) {
          openStream();
        }
      });
    });
  }

  private void chunk(Buffer data) {
    partial.append(data.toString());
    for (int end = partial.indexOf("\n"); end >= 0; end = partial.indexOf("\n")) {
      String line = partial.substring(0, end);
      partial.delete(0, end + 1);
      if (line.equals("o")) {
        opened.complete(null);
      } else if (line.startsWith("a")) {
        new JsonArray(line.substring(1)).forEach(message -> received(new JsonObject((String) message)));
      } // else the prelude (a line of h's), a heartbeat "h", or a close frame
    }
  }

  @Override
  public void sendRaw(String text) {
    int status = sends.request(post("xhr_send"))
        .compose(request -> request.send(new JsonArray().add(text).encode()))
        .map(HttpClientResponse::statusCode)
        .await();
    if (status != 204) {
      throw new AssertionError("xhr_send answered " + status);
    }
  }

  @Override
  public void pause() {
    paused = true;
    current.pause();
  }

  @Override
  public void resume() {
    paused = false;
    current.resume();
  }

  @Override
  public void close() {
    closing = true;
    streams.close();
    sends.close();
  }
}
