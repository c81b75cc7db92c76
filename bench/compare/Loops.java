import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The generator's event loops: subscriber loops (each with its own WebSocket client and delivery
 * recorder) and one loop for the publisher, so publishing is never queued behind deliveries.
 */
final class Loops {

  final Vertx vertx;
  final List<Context> subscriberContexts = new ArrayList<>();
  final List<Recorder> recorders = new ArrayList<>();
  final List<WebSocketClient> clients = new ArrayList<>();
  final Context publisherContext;

  Loops(Vertx vertx, int subscriberLoops) {
    this.vertx = vertx;
    for (int i = 0; i < subscriberLoops; i++) {
      Context ctx = newContext();
      subscriberContexts.add(ctx);
      recorders.add(new Recorder());
      // clients offer permessage-deflate as browsers do; each server decides whether to accept it
      clients.add(on(ctx, () -> Future.succeededFuture(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxConnections(20_000).setConnectTimeout(30_000).setMaxFrameSize(1 << 20)
          .setTryUsePerMessageCompression(true)))).await());
    }
    publisherContext = newContext();
  }

  int size() {
    return subscriberContexts.size();
  }

  /** Runs the action on the context and completes with its result, on the caller's side. */
  static <T> Future<T> on(Context ctx, Supplier<Future<T>> action) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> action.get().onComplete(p));
    return p.future();
  }

  /** A new event-loop context: Vert.x hands them out round-robin over its loops. */
  private Context newContext() {
    return ((VertxInternal) vertx).createEventLoopContext();
  }
}
