package dev.herald.inbox;

import dev.herald.core.Authenticator;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.journal.Journal;
import dev.herald.module.BridgeService;
import dev.herald.module.Module;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notification inbox: servers send notifications to users or a role; each user reads, marks
 * read and deletes their own, over REST ({@code /api/v1/me/notifications}) and the bridge
 * ({@code herald.inbox.*}); deliveries and changes travel on {@code user:{id}} / {@code role:{r}}.
 * Retention (herald.yaml {@code inbox:}): the newest {@code maxPerInbox} per user and per role,
 * none older than {@code maxAge}.
 */
public final class InboxModule implements Module {

  private static final Logger LOG = LoggerFactory.getLogger(InboxModule.class);
  private static final long RETENTION_PERIOD_MS = 10 * 60_000;

  private final Inbox inbox;
  private final Authenticator auth;
  private final int maxPerInbox;
  private final Duration maxAge;

  public InboxModule(JsonObject conf, Pool pool, Journal journal, Authenticator auth) {
    this.inbox = new Inbox(new InboxStore(), pool, journal);
    this.auth = auth;
    this.maxPerInbox = conf.getInteger("maxPerInbox", 1000);
    this.maxAge = Namespace.parseDuration(conf.getValue("maxAge", "90d").toString(), "inbox.maxAge");
    if (maxPerInbox < 1) {
      throw new IllegalArgumentException("inbox.maxPerInbox must be at least 1");
    }
  }

  /** Sends a notification as a server (an API key) would; its id makes it idempotent. */
  public Future<JsonObject> notify(JsonObject notification) {
    return inbox.send(Identity.SERVER, notification).map(sent -> sent.notification());
  }

  @Override
  public void mount(Router router) {
    new InboxRoutes(inbox, auth).mount(router);
  }

  @Override
  public Map<String, BridgeService> bridgeServices() {
    return Map.of(
        "herald.inbox.list", (socket, who, body) -> inbox.list(who, Inbox.flag(body.getValue("unread")),
            Inbox.before(body.getValue("before")), Inbox.limit(body.getValue("limit"))),
        "herald.inbox.read", (socket, who, body) -> inbox.read(who, id(body)),
        "herald.inbox.readAll", (socket, who, body) -> inbox.readAll(who),
        "herald.inbox.delete", (socket, who, body) -> inbox.delete(who, id(body)),
        "herald.inbox.clear", (socket, who, body) -> inbox.clear(who));
  }

  @Override
  public List<Deployable> verticles() {
    return List.of(new VerticleBase() {
      @Override
      public Future<?> start() {
        vertx.setPeriodic(RETENTION_PERIOD_MS, t -> inbox.trim(maxPerInbox, Instant.now().minus(maxAge))
            .onFailure(e -> LOG.warn("inbox retention failed: {}", e.getMessage())));
        return Future.succeededFuture();
      }
    });
  }

  private static String id(JsonObject body) {
    if (!(body.getValue("id") instanceof String id) || id.isEmpty()) {
      throw HeraldException.badRequest("invalid_body", "id is required: the notification's id");
    }
    return id;
  }
}
