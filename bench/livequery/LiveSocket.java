import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.function.Consumer;

/**
 * One anonymous bridge WebSocket (/eventbus/websocket) of the generator: sends register frames and
 * hands every text frame, unparsed, to a handler on its context (the generator only peeks into
 * frames, see bench/compare/Frames). Pings every 10 s, as Herald's clients do.
 */
final class LiveSocket {

  private final Vertx vertx;
  final Context context;
  private WebSocket ws;
  private long keepalive = -1;

  private LiveSocket(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
  }

  /** Connects on the given context; completes there once the WebSocket is open. */
  static Future<LiveSocket> open(Vertx vertx, Context context, WebSocketClient client, int port, Consumer<Buffer> frames) {
    LiveSocket s = new LiveSocket(vertx, context);
    return Loops.on(context, () -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/eventbus/websocket")).map(ws -> {
          s.ws = ws;
          ws.handler(frames::accept);
          s.keepalive = vertx.setPeriodic(10_000, t -> ws.writeTextMessage("{\"type\":\"ping\"}"));
          return s;
        }));
  }

  /** A register of address with these headers (a JSON object's text, or null); call on the context. */
  void register(String address, String headers, String replyAddress) {
    ws.writeTextMessage("{\"type\":\"register\",\"address\":" + Frames.quote(address)
        + (headers == null ? "" : ",\"headers\":" + headers)
        + (replyAddress == null ? "" : ",\"replyAddress\":" + Frames.quote(replyAddress)) + "}");
  }

  void close() {
    context.runOnContext(v -> {
      vertx.cancelTimer(keepalive);
      ws.close();
    });
  }
}
