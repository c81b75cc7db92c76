package dev.herald.internals;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.http.HttpServerRequestInternal;

/**
 * Runs work on the thread of an HTTP request's connection, the only thread an HTTP server in strict
 * thread mode lets write its response. The public API has no way to tell a request's context.
 */
public final class RequestThread {

  private RequestThread() {
  }

  /** Runs the action at once when called on the request's thread, else as a task on its context. */
  public static void run(HttpServerRequest request, Runnable action) {
    ContextInternal context = ((HttpServerRequestInternal) request).context();
    if (context.executor().inThread()) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
