package dev.herald.api;

import dev.herald.core.HeraldException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every failed request ends here: {"error":{code,message}} with the status, never a stack trace. */
final class ErrorResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {
  }

  static void send(RoutingContext ctx, Throwable failure) {
    HeraldException error = failure != null ? HeraldException.from(failure) : fromStatus(ctx.statusCode());
    if (error.status() >= 500 && !(failure instanceof HeraldException)) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response()
        .setStatusCode(error.status())
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage())).encode());
  }

  static void handle(RoutingContext ctx) {
    send(ctx, ctx.failure());
  }

  private static HeraldException fromStatus(int status) {
    return switch (status) {
      case 400 -> HeraldException.badRequest("bad_request", "the request is malformed");
      case 404 -> HeraldException.notFound("no such resource");
      case 405 -> new HeraldException(405, "method_not_allowed", "this method is not allowed here");
      case 413 -> HeraldException.tooLarge("the request body is over the size limit");
      default -> new HeraldException(status > 0 ? status : 500, status >= 500 || status <= 0 ? "internal" : "error",
          status >= 500 || status <= 0 ? "internal error; the server logged the details" : "request failed");
    };
  }
}
