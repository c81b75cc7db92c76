package dev.herald.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * The one way Herald runs work on a given context (a verticle's, a socket's event loop): at once
 * when the caller is already on that context, else as a task there. State confined to a context
 * (the hub's feeds, presence replicas, aggregate pacing) is only ever touched through these.
 */
public final class OnContext {

  private OnContext() {
  }

  /** Runs the action on the context; a null context means "here". */
  public static void run(Context context, Runnable action) {
    if (context == null || Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  /** Runs the action on the context; its future (or what it throws) completes the result. */
  public static <T> Future<T> call(Context context, Supplier<Future<T>> action) {
    if (context == null || Vertx.currentContext() == context) {
      return attempt(action);
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> attempt(action).onComplete(promise));
    return promise.future();
  }

  /** Completes on the context whatever context the source completes on. */
  public static <T> Future<T> resume(Context context, Future<T> source) {
    Promise<T> promise = Promise.promise();
    source.onComplete(ar -> run(context, () -> promise.handle(ar)));
    return promise.future();
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
