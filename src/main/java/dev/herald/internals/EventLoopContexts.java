package dev.herald.internals;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * Vert.x contexts where the public API stops short: the event-loop context a caller runs on (not
 * the per-request duplicate) and handing an event to a handler on a context in place. Why each is
 * needed: see the package documentation.
 */
public final class EventLoopContexts {

  private EventLoopContexts() {
  }

  /**
   * The context of the event loop the caller runs on; null off Vert.x's threads. Not the caller's own
   * context: Vert.x gives every HTTP request a duplicate of its loop's context, and a socket must be
   * grouped with the others of its loop.
   */
  public static Context current() {
    return Vertx.currentContext() instanceof ContextInternal context ? context.unwrap() : null;
  }

  /**
   * Hands the event to the handler on the context: at once when called on the context's thread (so
   * events keep the order they happened in), else as a task there.
   */
  public static <T> void emit(Context context, T event, Handler<T> handler) {
    ((ContextInternal) context).emit(event, handler);
  }
}
