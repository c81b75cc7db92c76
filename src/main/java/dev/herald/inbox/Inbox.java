package dev.herald.inbox;

import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Params;
import dev.herald.core.UnicodeText;
import dev.herald.journal.Journal;
import dev.herald.journal.NewEvent;
import dev.herald.journal.Transaction;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The notification inbox, for REST and the bridge alike. A server sends a notification (API key);
 * it is stored and, in the same transaction, appended as a {@code notification} event to
 * {@code user:{id}} (or {@code role:{r}}), so it reaches the user's open sockets on every node and
 * a reconnecting client resumes it like any event. A user reads and changes only their own inbox;
 * each change is appended to {@code user:{sub}} ({@code inbox.read}, {@code inbox.deleted},
 * {@code inbox.cleared}, with the new {@code unreadCount}) for their other tabs and devices.
 */
final class Inbox {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;

  /** A notification as sent: whether this call stored it (false: its id was stored before) and what is stored. */
  record Sent(boolean created, JsonObject notification) {
  }

  private final InboxStore store;
  private final Pool pool;
  private final Journal journal;

  Inbox(InboxStore store, Pool pool, Journal journal) {
    this.store = store;
    this.pool = pool;
    this.journal = journal;
  }

  Future<Sent> send(Identity who, JsonObject body) {
    who.requireServer("sending notifications");
    NewNotification n = NewNotification.parse(body);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return journal.transact(tx -> store.lock(tx.connection(), n.users())
        .compose(v -> store.insert(tx.connection(), n, now))
        .compose(stored -> {
          if (stored == null) { // sent before under this id: its first result, and no second delivery
            return store.find(tx.connection(), n.id()).map(first -> new Sent(false, first));
          }
          List<NewEvent> deliveries = new ArrayList<>();
          String data = stored.json().encode();
          List<String> channels = n.role() != null ? List.of("role:" + n.role()) : n.users().stream().map(u -> "user:" + u).toList();
          channels.forEach(c -> deliveries.add(new NewEvent(c, UUID.randomUUID().toString(), false, "notification", data)));
          return tx.append(deliveries).map(v -> new Sent(true, stored.json().put("to", n.audience())));
        }));
  }

  /** {notifications, unreadCount, next}: newest first, {@code next} the {@code before} of the next page (null: none). */
  Future<JsonObject> list(Identity who, boolean unreadOnly, Long before, int limit) {
    String user = user(who);
    List<String> roles = roles(who);
    return store.list(pool, user, roles, before, limit, unreadOnly).map(page -> new JsonObject()
        .put("notifications", new JsonArray(new ArrayList<>(page.notifications())))
        .put("unreadCount", page.unread())
        .put("next", page.next()));
  }

  Future<JsonObject> read(Identity who, String id) {
    return change(who, "inbox.read", new JsonObject().put("ids", new JsonArray().add(id)),
        (conn, user) -> store.markRead(conn, user, roles(who), id).map(found -> found(found, id)));
  }

  Future<JsonObject> readAll(Identity who) {
    return change(who, "inbox.read", new JsonObject().put("all", true),
        (conn, user) -> store.markAllRead(conn, user, roles(who)));
  }

  Future<JsonObject> delete(Identity who, String id) {
    return change(who, "inbox.deleted", new JsonObject().put("id", id),
        (conn, user) -> store.delete(conn, user, roles(who), id).map(found -> found(found, id)));
  }

  Future<JsonObject> clear(Identity who) {
    return change(who, "inbox.cleared", new JsonObject(), (conn, user) -> store.clear(conn, user, roles(who)));
  }

  /** Drops what retention no longer keeps. */
  Future<Void> trim(int maxPerInbox, Instant olderThan) {
    return store.trim(pool, maxPerInbox, olderThan);
  }

  private interface Change {
    Future<Void> apply(SqlConnection conn, String user);
  }

  /**
   * One change of the user's inbox, under their lock: the change, the new unread count, and the
   * push of both to {@code user:{sub}}, all in one transaction; answers {unreadCount}.
   */
  private Future<JsonObject> change(Identity who, String type, JsonObject push, Change change) {
    String user = user(who);
    List<String> roles = roles(who);
    return journal.transact(tx -> store.lock(tx.connection(), List.of(user))
        .compose(v -> change.apply(tx.connection(), user))
        .compose(v -> store.unreadCount(tx.connection(), user, roles))
        .compose(unread -> push(tx, user, type, push.put("unreadCount", unread))
            .map(v -> new JsonObject().put("unreadCount", unread))));
  }

  /** Appends the change to the user's channel; a subject that cannot name a channel has no channel to push to. */
  private static Future<Void> push(Transaction tx, String user, String type, JsonObject data) {
    String channel = "user:" + user;
    if (!ChannelName.isValid(channel)) {
      return Future.succeededFuture();
    }
    return tx.append(List.of(new NewEvent(channel, UUID.randomUUID().toString(), false, type, data.encode()))).mapEmpty();
  }

  /** Not the user's (or no such id): the same 404 either way, so ids of others' notifications are never confirmed. */
  private static Void found(boolean found, String id) {
    if (!found) {
      throw HeraldException.notFound("no notification " + shown(id) + " in your inbox");
    }
    return null;
  }

  private static String shown(String id) {
    return "\"" + UnicodeText.printable(id, 80) + "\"";
  }

  /** The inbox is a user's: a token with a subject. */
  private static String user(Identity who) {
    if (who.isAnonymous()) {
      throw HeraldException.unauthorized("the inbox needs a user token");
    }
    String sub = who.subject();
    if (who.isServer() || sub == null || sub.isEmpty()) {
      throw HeraldException.forbidden("the inbox is a user's: use a token with a subject (sub)");
    }
    return sub;
  }

  private static List<String> roles(Identity who) {
    Object roles = who.claims().getValue("roles");
    List<String> out = new ArrayList<>();
    if (roles instanceof JsonArray array) {
      array.forEach(r -> {
        if (r instanceof String s) {
          out.add(s);
        }
      });
    } else if (roles instanceof String single) {
      out.add(single);
    }
    return out;
  }

  /** A query's or bridge body's limit. */
  static int limit(Object value) {
    return Params.limit(value, DEFAULT_LIMIT, MAX_LIMIT);
  }

  /** A query's or bridge body's before: the {@code next} of the page before. */
  static Long before(Object value) {
    return value == null ? null : Params.wholeNumber(value, 0, "before");
  }

  /** A query's or bridge body's yes/no (true, or "true"). */
  static boolean flag(Object value) {
    return Boolean.TRUE.equals(value) || "true".equals(value);
  }
}
