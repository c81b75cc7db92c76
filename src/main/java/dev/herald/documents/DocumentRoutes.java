package dev.herald.documents;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Params;
import dev.herald.core.Rest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/** REST for documents: one document by id, paged lists, and multi-document transactions. */
final class DocumentRoutes {

  private static final String DOCS = "/api/v1/collections/:collection/docs";

  private final Documents documents;
  private final Authenticator auth;

  DocumentRoutes(Documents documents, Authenticator auth) {
    this.documents = documents;
    this.auth = auth;
  }

  void mount(Router router) {
    router.post(DOCS).handler(ctx -> write(ctx, DocWrite.Op.CREATE));
    router.get(DOCS).handler(ctx -> Rest.answer(ctx, auth, who -> list(ctx, who)));
    router.put(DOCS + "/:id").handler(ctx -> write(ctx, DocWrite.Op.PUT));
    router.patch(DOCS + "/:id").handler(ctx -> write(ctx, DocWrite.Op.PATCH));
    router.delete(DOCS + "/:id").handler(ctx -> write(ctx, DocWrite.Op.DELETE));
    router.get(DOCS + "/:id").handler(ctx -> Rest.answer(ctx, auth,
        who -> documents.get(who, ctx.pathParam("collection"), ctx.pathParam("id"))));
    router.post("/api/v1/docs/transaction").handler(ctx -> Rest.respond(ctx, auth, who -> transaction(ctx, who)));
  }

  private void write(RoutingContext ctx, DocWrite.Op op) {
    Rest.respond(ctx, auth, who -> {
      JsonObject body = op == DocWrite.Op.DELETE ? null : DocJson.body(Rest.body(ctx).toString(), "the request body");
      DocWrite w = new DocWrite(op, ctx.pathParam("collection"), ctx.pathParam("id"), body,
          DocWrite.parseIfMatch(ctx.request().getHeader("If-Match")));
      return documents.write(who, w).map(written -> {
        Rest.reply(ctx, written.created() ? 201 : 200, written.answer());
        return null;
      });
    });
  }

  private Future<JsonObject> list(RoutingContext ctx, Identity who) {
    int limit = Params.limit(ctx.queryParams().get("limit"), Documents.DEFAULT_LIMIT, Documents.MAX_LIMIT);
    return documents.list(who, ctx.pathParam("collection"), ctx.queryParams().get("filter"),
        ctx.queryParams().get("orderBy"), limit, ctx.queryParams().get("after"))
        .map(page -> new JsonObject().put("docs", new JsonArray(new ArrayList<>(page.docs()))).put("next", page.next()));
  }

  /** {writes: [{op: create|put|patch|delete, collection, id?, doc?|patch?, ifMatch?}]} → {results: [...]}, all or nothing. */
  private Future<Void> transaction(RoutingContext ctx, Identity who) {
    JsonObject body = DocJson.body(Rest.body(ctx).toString(), "the request body");
    if (!(body.getValue("writes") instanceof JsonArray items)) {
      throw HeraldException.badRequest("invalid_transaction", "the body is {writes: [{op, collection, id?, doc?, patch?, ifMatch?}]}");
    }
    List<DocWrite> writes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      writes.add(DocWrite.parse(items.getValue(i), "invalid_transaction", "write " + i));
    }
    return documents.transaction(who, writes).map(results -> {
      JsonArray answers = new JsonArray();
      results.forEach(r -> answers.add(r.answer()));
      Rest.reply(ctx, 200, new JsonObject().put("results", answers));
      return null;
    });
  }

}
