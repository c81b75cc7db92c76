package dev.herald.core;

import dev.herald.internals.RequestThread;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REST plumbing shared by the feature packages: who is calling, JSON in and out, and errors as
 * {"error":{code,message}} with the status, never a stack trace. Responses are always written on
 * the request's own event loop, wherever the answer was computed (the HTTP server runs in strict
 * thread mode, see GatewayVerticle).
 */
public final class Rest {

  private static final Logger LOG = LoggerFactory.getLogger(Rest.class);

  private Rest() {
  }

  /** Authenticates the request, runs the action, and turns any failure (thrown or failed future) into a JSON error. */
  public static void respond(RoutingContext ctx, Authenticator auth, Function<Identity, Future<Void>> action) {
    auth.fromHeaders(ctx.request().getHeader("X-Api-Key"), ctx.request().getHeader("Authorization"))
        .compose(who -> {
          try {
            return action.apply(who);
          } catch (RuntimeException e) {
            return Future.failedFuture(e);
          }
        })
        .onFailure(err -> fail(ctx, err));
  }

  /** {@link #respond}, answering 200 with the action's JSON (a read). */
  public static void answer(RoutingContext ctx, Authenticator auth, Function<Identity, Future<?>> action) {
    respond(ctx, auth, who -> action.apply(who).map(json -> {
      reply(ctx, 200, json);
      return null;
    }));
  }

  public static void reply(RoutingContext ctx, int status, Object json) {
    replyJson(ctx, status, Json.encode(json));
  }

  /** Replies with JSON that is already text. */
  public static void replyJson(RoutingContext ctx, int status, String json) {
    onRequestThread(ctx, () ->
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json));
  }

  /**
   * Runs a response write on the request's event loop. Answers often come from another context (the
   * hub, presence, the journal's caller hop); in strict thread mode Vert.x refuses a write from any
   * thread but the request's own, and saves a multi-producer write queue per connection for it.
   */
  public static void onRequestThread(RoutingContext ctx, Runnable write) {
    RequestThread.run(ctx.request(), write);
  }

  /** The request body, or a 400 when there is none. */
  public static Buffer body(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
      throw HeraldException.badRequest("invalid_json", "the request body is empty; send JSON");
    }
    return ctx.body().buffer();
  }

  /** The request body as a JSON object: 400 invalid_json when it is not JSON, 400 {@code code} when not an object. */
  public static JsonObject bodyObject(RoutingContext ctx, String code, String message) {
    Object body;
    try {
      body = Json.decodeValue(body(ctx));
    } catch (DecodeException e) {
      throw notJson();
    }
    if (!(body instanceof JsonObject json)) {
      throw HeraldException.badRequest(code, message);
    }
    return json;
  }

  public static HeraldException notJson() {
    return HeraldException.badRequest("invalid_json", "the request body is not valid JSON");
  }

  /** The router's failure handler: statuses set by Vert.x (404, 405, 413...) become JSON errors too. */
  public static void handleFailure(RoutingContext ctx) {
    fail(ctx, ctx.failure());
  }

  public static void fail(RoutingContext ctx, Throwable failure) {
    onRequestThread(ctx, () -> writeFailure(ctx, failure));
  }

  /**
   * The first handler under /api: a query string that does not decode (a lone {@code %}, {@code %zz})
   * is a 400 in the JSON shape. Left alone, the router's own decoding throws while it matches a route
   * with path parameters, and Vert.x answers plain text and logs a stack trace. The decoded parameters
   * are kept by the request, so this costs nothing more.
   */
  public static void requireWellFormedQuery(RoutingContext ctx) {
    try {
      ctx.request().params();
    } catch (IllegalArgumentException e) {
      fail(ctx, HeraldException.badRequest("bad_request",
          "the query string is malformed: a % must be followed by two hex digits (write %25 for a % sign)"));
      return;
    }
    ctx.next();
  }

  private static void writeFailure(RoutingContext ctx, Throwable failure) {
    HeraldException error = failure != null ? HeraldException.from(failure) : fromStatus(ctx.statusCode());
    if (failure != null && !(failure instanceof HeraldException)) {
      if (error.status() == 503) {
        // the database is busy or away: one line each, a burst of these must not flood the log with stacks
        LOG.warn("{} {}: {}", ctx.request().method(), ctx.request().path(), failure.toString());
      } else if (error.status() >= 500) {
        LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      }
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (error.retryAfterSeconds() > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(error.retryAfterSeconds()));
    }
    JsonObject answer = new JsonObject().put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage()));
    if (error.details() != null) {
      answer.mergeIn(error.details());
    }
    ctx.response()
        .setStatusCode(error.status())
        .putHeader("Content-Type", "application/json")
        .end(answer.encode());
  }

  private static HeraldException fromStatus(int status) {
    return switch (status) {
      case 400 -> HeraldException.badRequest("bad_request", "the request is malformed");
      case 404 -> HeraldException.notFound("no such resource");
      case 405 -> new HeraldException(405, "method_not_allowed", "this method is not allowed here");
      case 413 -> HeraldException.tooLarge("the request body is over the size limit");
      default -> status >= 400 && status < 500
          ? new HeraldException(status, "bad_request", "the request was refused")
          : HeraldException.from(null);
    };
  }
}
