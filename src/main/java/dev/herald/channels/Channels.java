package dev.herald.channels;

import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespace;
import dev.herald.core.Namespaces;
import dev.herald.core.Params;
import dev.herald.journal.Appended;
import dev.herald.journal.HistoryPage;
import dev.herald.journal.Journal;
import dev.herald.journal.NewEvent;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Durable channels as users see them, whatever the transport (REST or bridge): validates input,
 * applies the namespace rules, appends to the journal and reads history.
 */
public final class Channels {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;
  private static final int MAX_TYPE_LENGTH = 200;
  private static final int MAX_ID_LENGTH = 200;
  /** The types of the envelopes Herald emits (the guide's list): no publisher may send them. */
  private static final Set<String> RESERVED_TYPES = Set.of("viewers", "aggregate.snapshot", "query.snapshot",
      "appear", "update", "disappear", "notification", "history.truncated");
  private static final List<String> RESERVED_PREFIXES = List.of("presence.", "typing.", "inbox.");

  private final Journal journal;
  private final Namespaces namespaces;

  public Channels(Journal journal, Namespaces namespaces) {
    this.journal = journal;
    this.namespaces = namespaces;
  }

  /**
   * Appends all events in one commit, after checking the publisher may write to every channel and
   * counting each event against its namespace's publish limits. An id
   * already stored answers with the first receipt only to whoever may read that channel; anyone else
   * learns that the id is taken and nothing more (see {@link Receipt}), so ids cannot be probed.
   */
  public Future<List<Receipt>> publish(Identity who, List<NewEvent> events) {
    for (NewEvent e : events) {
      namespaces.of(e.channel()).checkPublish(who, e.channel());
    }
    for (NewEvent e : events) { // only once every channel is allowed: a refused batch costs no tokens
      namespaces.of(e.channel()).limits().takePublish(who);
    }
    return journal.append(events).map(results -> {
      List<Receipt> receipts = new ArrayList<>(results.size());
      for (Appended a : results) {
        receipts.add(new Receipt(a, a.duplicate() && !mayRead(who, a.event().channel())));
      }
      return receipts;
    });
  }

  /** One event; a re-post of an id stored on a channel the publisher may not read is a 409. */
  public Future<Receipt> publish(Identity who, NewEvent event) {
    return publish(who, List.of(event)).map(receipts -> {
      Receipt r = receipts.get(0);
      if (r.withheld()) {
        throw new HeraldException(409, "duplicate_id", "an event with id \"" + event.id()
            + "\" is already stored on " + event.channel() + "; choose another id");
      }
      return r;
    });
  }

  /**
   * A page of history as REST and {@code herald.history} take it: forwards after {@code since}, or
   * backwards before {@code before} (a seq >= 1), not both; limit as {@link #parseLimit}.
   */
  public Future<HistoryPage> page(Identity who, String channel, Object since, Object before, Object limit) {
    if (before != null && since != null) {
      throw HeraldException.badRequest("invalid_query", "give since (pages forwards) or before (backwards), not both");
    }
    int max = parseLimit(limit);
    if (before == null) {
      return history(who, channel, Params.since(since), max);
    }
    long seq = Params.wholeNumber(before, 0, "before");
    if (seq < 1) {
      throw HeraldException.badRequest("invalid_before", "before must be a seq number >= 1");
    }
    return historyBefore(who, channel, seq, max);
  }

  public Future<HistoryPage> history(Identity who, String channel, long since, int limit) {
    checkSubscribe(who, channel);
    return journal.read(channel, since, limit);
  }
  /** The page of history just before a seq, for whoever may subscribe to the channel. */
  public Future<HistoryPage> historyBefore(Identity who, String channel, long before, int limit) {
    checkSubscribe(who, channel);
    return journal.readBefore(channel, before, limit);
  }

  public Namespace namespace(String channel) {
    return namespaces.of(channel);
  }

  public void checkSubscribe(Identity who, String channel) {
    namespaces.checkSubscribe(who, channel);
  }

  private boolean mayRead(Identity who, String channel) {
    try {
      namespaces.checkSubscribe(who, channel);
      return true;
    } catch (HeraldException denied) {
      return false;
    }
  }

  /**
   * Reads one event from JSON: {@code {type, data?, id?}} plus {@code channel} when none is given
   * by the caller (batch and bridge publishes). Anything else is a 400 that says what is wrong.
   */
  public static NewEvent parseEvent(Object json, String channel) {
    if (!(json instanceof JsonObject body)) {
      throw notAnEvent();
    }
    requireFinite(body.getValue("data"));
    return toEvent(body.getMap(), Json.encode(body.getValue("data")), channel);
  }

  /**
   * Data that was decoded before Herald saw it (a bridge frame) holds a number too large for a double
   * as Infinity, which would go out as the string "Infinity": refuse it rather than change the data.
   */
  private static void requireFinite(Object value) {
    if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
      throw HeraldException.badRequest("invalid_event", "data holds a number beyond what JSON numbers here can carry ("
          + value + "); send it as a string or within ±1.7e308");
    }
    if (value instanceof JsonObject o) {
      o.forEach(e -> requireFinite(e.getValue()));
    } else if (value instanceof JsonArray a) {
      a.forEach(Channels::requireFinite);
    }
  }

  static HeraldException notAnEvent() {
    return HeraldException.badRequest("invalid_event", "an event must be a JSON object {type, data, id?}");
  }

  /** Checks an event's top-level fields (data aside, given as JSON text) and makes the event. */
  static NewEvent toEvent(Map<String, Object> fields, String dataJson, String channel) {
    if (channel == null) {
      channel = requireString(fields, "channel", 200);
    }
    ChannelName.require(channel);
    String type = EventText.requirePrintable("type", requireString(fields, "type", MAX_TYPE_LENGTH));
    requireUnreserved(type);
    Object id = fields.get("id");
    if (id != null && !(id instanceof String s && !s.isEmpty() && s.length() <= MAX_ID_LENGTH)) {
      throw HeraldException.badRequest("invalid_event", "id must be a string of 1 to " + MAX_ID_LENGTH + " characters");
    }
    boolean clientId = id != null;
    String eventId = clientId ? EventText.requirePrintable("id", (String) id) : UUID.randomUUID().toString();
    return new NewEvent(channel, eventId, clientId, type, EventText.requireStorableData(dataJson));
  }

  /** Subscribers trust these types to come from Herald (presence, aggregates, live queries, the inbox...). */
  private static void requireUnreserved(String type) {
    if (RESERVED_TYPES.contains(type) || RESERVED_PREFIXES.stream().anyMatch(type::startsWith)) {
      throw HeraldException.badRequest("reserved_type",
          "type \"" + type + "\" is reserved for events Herald itself sends; choose another type");
    }
  }

  /** A history page size as given by a user (a number or numeric string); null means the default. */
  public static int parseLimit(Object value) {
    return Params.limit(value, DEFAULT_LIMIT, MAX_LIMIT);
  }

  private static String requireString(Map<String, Object> fields, String field, int maxLength) {
    Object value = fields.get(field);
    if (!(value instanceof String s) || s.isEmpty()) {
      throw HeraldException.badRequest("invalid_event", field + " is required and must be a non-empty string");
    }
    if (s.length() > maxLength) {
      throw HeraldException.badRequest("invalid_event", field + " must be at most " + maxLength + " characters");
    }
    return s;
  }
}
