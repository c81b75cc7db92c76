package dev.herald.channels;

import dev.herald.core.Authenticator;
import dev.herald.core.ChannelName;
import dev.herald.core.Identity;
import dev.herald.core.Rest;
import dev.herald.journal.Event;
import dev.herald.journal.HistoryPage;
import dev.herald.journal.NewEvent;
import dev.herald.wire.Frames;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.StringJoiner;

/** REST for durable channels: publish one, publish a batch, read history. */
public final class ChannelRoutes {

  private final Channels channels;
  private final Authenticator auth;

  public ChannelRoutes(Channels channels, Authenticator auth) {
    this.channels = channels;
    this.auth = auth;
  }

  public void mount(Router router) {
    router.post("/api/v1/channels/:channel/events").handler(ctx -> Rest.respond(ctx, auth, who -> publishOne(ctx, who)));
    router.post("/api/v1/events").handler(ctx -> Rest.respond(ctx, auth, who -> publishBatch(ctx, who)));
    router.get("/api/v1/channels/:channel/events").handler(ctx -> Rest.respond(ctx, auth, who -> history(ctx, who)));
  }

  private Future<Void> publishOne(RoutingContext ctx, Identity who) {
    NewEvent event = EventReader.one(Rest.body(ctx), ChannelName.require(ctx.pathParam("channel")));
    return channels.publish(who, event).map(receipt -> {
      Rest.replyJson(ctx, receipt.duplicate() ? 200 : 201, receipt.json());
      return null;
    });
  }

  private Future<Void> publishBatch(RoutingContext ctx, Identity who) {
    List<NewEvent> events = EventReader.batch(Rest.body(ctx));
    return channels.publish(who, events).map(results -> {
      StringJoiner receipts = new StringJoiner(",", "[", "]");
      boolean created = false;
      for (Receipt r : results) {
        receipts.add(r.json());
        created |= !r.duplicate();
      }
      Rest.replyJson(ctx, created ? 201 : 200, receipts.toString());
      return null;
    });
  }

  private Future<Void> history(RoutingContext ctx, Identity who) {
    String channel = ChannelName.require(ctx.pathParam("channel"));
    String before = ctx.queryParams().get("before");
    boolean backwards = before != null;
    Future<HistoryPage> read = channels.page(who, channel, ctx.queryParams().get("since"), before, ctx.queryParams().get("limit"));
    return read.map(page -> {
      StringJoiner events = new StringJoiner(",", "{\"events\":[",
          "],\"firstSeq\":" + page.firstSeq() + ",\"lastSeq\":" + page.lastSeq() + "}");
      // ?before= answers newest first, so a client can prepend page after page
      List<Event> stored = page.events();
      for (int i = 0; i < stored.size(); i++) {
        events.add(Frames.envelope(stored.get(backwards ? stored.size() - 1 - i : i)));
      }
      Rest.replyJson(ctx, 200, events.toString());
      return null;
    });
  }
}
