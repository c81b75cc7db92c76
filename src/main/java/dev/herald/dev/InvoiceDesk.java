package dev.herald.dev;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import dev.herald.documents.DocumentsModule;
import dev.herald.inbox.InboxModule;
import dev.herald.module.Module;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The console's invoice-financing back office, in development mode: {@code POST
 * /dev/invoices/{id}/funded} tells the seller of a funded invoice, in their inbox. The funding
 * itself is the investor's own document write (the {@code invoices} collection's rules let an
 * investor take a listed invoice); this step only reads what was stored and notifies, once per
 * invoice (the notification's id), so asking twice, or for an invoice not funded, changes nothing.
 * A real app does this step from its own backend.
 */
public final class InvoiceDesk implements Module {

  private final DocumentsModule documents;
  private final InboxModule inbox;
  private final Authenticator auth;

  public InvoiceDesk(DocumentsModule documents, InboxModule inbox, Authenticator auth) {
    this.documents = documents;
    this.inbox = inbox;
    this.auth = auth;
  }

  @Override
  public void mount(Router router) {
    router.post("/dev/invoices/:id/funded").handler(this::funded);
  }

  private void funded(RoutingContext ctx) {
    Rest.respond(ctx, auth, who -> {
      who.requireUser("telling a seller");
      return documents.read("invoices", ctx.pathParam("id")).compose(invoice -> {
        if (!"funded".equals(invoice.getString("status")) || !(invoice.getValue("sellerId") instanceof String seller)) {
          throw new HeraldException(409, "not_funded", "invoice " + invoice.getString("_id") + " is not funded");
        }
        JsonObject note = new JsonObject().put("id", "funded-" + invoice.getString("_id"))
            .put("to", new JsonObject().put("userId", seller)).put("type", "invoice.funded")
            .put("title", "Invoice " + invoice.getString("_id") + " was funded")
            .put("body", invoice.getString("investorId") + " funded " + invoice.getValue("amount"))
            .put("data", new JsonObject().put("invoiceId", invoice.getString("_id")).put("amount", invoice.getValue("amount")));
        return inbox.notify(note).map(sent -> {
          Rest.reply(ctx, 200, new JsonObject().put("notified", seller).put("notification", sent.getString("id")));
          return null;
        });
      });
    });
  }
}
