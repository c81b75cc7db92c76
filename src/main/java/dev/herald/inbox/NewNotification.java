package dev.herald.inbox;

import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.StorableJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A notification as a server sends it: {@code {to: {userId} | {userIds: [...]} | {role}, type,
 * title, body?, data?, id?}}, checked before anything is stored. {@code users} is sorted (their
 * inboxes are locked in that order) and empty for a role notification.
 */
record NewNotification(String id, boolean idGiven, List<String> users, String role, String type, String title,
    String body, Object data) {

  static final int MAX_USERS = 1000;
  static final int MAX_ID = 200;
  static final int MAX_TYPE = 100;
  static final int MAX_TITLE = 500;
  static final int MAX_BODY = 10_000;

  static NewNotification parse(JsonObject json) {
    if (!(json.getValue("to") instanceof JsonObject to) || to.size() != 1) {
      throw invalid("to must be one of {userId}, {userIds: [...]}, {role}");
    }
    List<String> users = List.of();
    String role = null;
    if (to.getValue("userId") != null) {
      users = List.of(recipient(to.getValue("userId"), "to.userId", "user:"));
    } else if (to.getValue("userIds") instanceof JsonArray ids) {
      if (ids.isEmpty() || ids.size() > MAX_USERS) {
        throw invalid("to.userIds must list 1 to " + MAX_USERS + " users");
      }
      TreeSet<String> sorted = new TreeSet<>();
      for (int i = 0; i < ids.size(); i++) {
        sorted.add(recipient(ids.getValue(i), "to.userIds[" + i + "]", "user:"));
      }
      users = List.copyOf(sorted);
    } else if (to.getValue("role") != null) {
      role = recipient(to.getValue("role"), "to.role", "role:");
    } else {
      throw invalid("to must be one of {userId}, {userIds: [...]}, {role}");
    }
    Object givenId = json.getValue("id");
    if (givenId != null && !(givenId instanceof String)) {
      throw invalid("id must be a string");
    }
    String id = givenId == null ? UUID.randomUUID().toString() : text((String) givenId, "id", MAX_ID);
    if (id.isEmpty()) {
      throw invalid("id must not be empty");
    }
    String type = text(required(json, "type"), "type", MAX_TYPE);
    String title = text(required(json, "title"), "title", MAX_TITLE);
    Object body = json.getValue("body");
    if (body != null && !(body instanceof String)) {
      throw invalid("body must be a string");
    }
    Object data = json.getValue("data");
    StorableJson.require(data, "data", "invalid_notification");
    return new NewNotification(id, givenId != null, users, role, type, title,
        body == null ? null : text((String) body, "body", MAX_BODY), data);
  }

  /** Who it was sent to, as given (stored with it, so that a repeat of its id is answered the same). */
  JsonObject audience() {
    if (role != null) {
      return new JsonObject().put("role", role);
    }
    return users.size() == 1 ? new JsonObject().put("userId", users.get(0)) : new JsonObject().put("userIds", new JsonArray(users));
  }

  private static String required(JsonObject json, String field) {
    if (!(json.getValue(field) instanceof String s) || s.isEmpty()) {
      throw invalid(field + " is required (a non-empty string)");
    }
    return s;
  }

  /** A user id or role: it names the channel the notification goes to, so it must make a valid one. */
  private static String recipient(Object value, String field, String namespace) {
    if (!(value instanceof String s) || s.isEmpty() || !ChannelName.isValid(namespace + s)) {
      throw invalid(field + " must be a non-empty string that makes a valid channel name " + namespace + "{" + field + "}");
    }
    return s;
  }

  private static String text(String s, String field, int max) {
    if (s.length() > max) {
      throw invalid(field + " is longer than " + max + " characters");
    }
    return StorableJson.requireText(s, field, "invalid_notification");
  }

  private static HeraldException invalid(String message) {
    return HeraldException.badRequest("invalid_notification", message);
  }
}
