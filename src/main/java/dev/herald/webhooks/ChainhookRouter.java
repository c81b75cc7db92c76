package dev.herald.webhooks;

import dev.herald.core.ChannelName;
import dev.herald.journal.NewEvent;
import dev.herald.module.DocumentChanges;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hiro Chainhook deliveries ({@code apply} / {@code rollback} arrays of Stacks blocks): each
 * successful transaction's {@code print} events whose {@code value.event} is a marketplace or
 * stream event become channel events. Marketplace events go to {@code market}, stream events to
 * {@code stream:{streamId}}, and each also to {@code user:{address}} of every wallet it names
 * (seller and buyer; sender and recipient). An event's id is {@code {txHash}:{eventIndex}}, so a
 * redelivered block adds nothing. A rolled-back block emits, for each event it had produced, its
 * {@code *.reverted} counterpart ({@code {id}:reverted}, the same data plus {@code revertedId}) on
 * the same channels. Marketplace events also keep the {@code listings} document of their stream id
 * (status listed / sold / cancelled, price, seller, buyer); a rollback puts each document it touched
 * back to what the block found.
 */
final class ChainhookRouter implements WebhookRouter {

  private static final Map<String, String> MARKET = Map.of(
      "nft-listed", "listing.created", "listing-updated", "listing.updated",
      "listing-cancelled", "listing.cancelled", "nft-sold", "listing.sold");
  /** The collection of listings, one document per stream id, kept by marketplace events. */
  static final String LISTINGS = "listings";
  private static final Map<String, String> STREAM = Map.of(
      "stream-created", "stream.created", "stream-withdrawn", "stream.updated", "stream-cancelled", "stream.updated");

  @Override
  public Routed route(JsonObject payload, String deliveryId) {
    if (!(payload.getValue("apply") instanceof JsonArray) && !(payload.getValue("rollback") instanceof JsonArray)) {
      throw new Unroutable("not a chainhook payload: it has neither an apply nor a rollback array of blocks");
    }
    List<NewEvent> events = new ArrayList<>();
    List<DocEffect> documents = new ArrayList<>();
    List<DocEffect> undone = new ArrayList<>();
    for (Object block : payload.getJsonArray("rollback", new JsonArray())) {
      forEachEvent(block, (channels, type, id, data) -> {
        String reverted = type.startsWith("listing.") ? "listing.reverted" : "stream.reverted";
        String json = data.copy().put("revertedType", type).put("revertedId", id).encode();
        channels.forEach(c -> events.add(new NewEvent(c, id + ":reverted", true, reverted, json)));
        undone.add(new DocEffect(id + ":reverted", null, id));
      });
    }
    Collections.reverse(undone); // the last change first, so that each document goes back to what the block found
    documents.addAll(undone);
    for (Object block : payload.getJsonArray("apply", new JsonArray())) {
      forEachEvent(block, (channels, type, id, data) -> {
        String json = data.encode();
        channels.forEach(c -> events.add(new NewEvent(c, id, true, type, json)));
        JsonObject listing = listing(type, data);
        if (listing != null) {
          documents.add(new DocEffect(id, new DocumentChanges.Change(DocumentChanges.Kind.MERGE, LISTINGS,
              String.valueOf(data.getValue("streamId")), listing), null));
        }
      });
    }
    return new Routed(events, documents);
  }

  /** What a marketplace event changes in its stream's listing document; null for stream events. */
  private static JsonObject listing(String type, JsonObject data) {
    if (!type.startsWith("listing.") || data.getValue("streamId") == null) {
      return null;
    }
    JsonObject change = new JsonObject().put("streamId", data.getValue("streamId")).put("txId", data.getValue("txId"))
        .put("blockHeight", data.getValue("blockHeight"));
    switch (type) {
      case "listing.created", "listing.updated" -> change.put("status", "listed");
      case "listing.cancelled" -> change.put("status", "cancelled");
      default -> change.put("status", "sold").put("buyer", data.getValue("buyer"));
    }
    for (String field : new String[] {"price", "seller"}) {
      if (data.getValue(field) != null) {
        change.put(field, data.getValue(field));
      }
    }
    return change;
  }

  private interface Found {
    void event(Set<String> channels, String type, String id, JsonObject data);
  }

  /** Every marketplace or stream print event of the block's successful transactions. */
  private static void forEachEvent(Object block, Found found) {
    if (!(block instanceof JsonObject b) || !(b.getValue("transactions") instanceof JsonArray txs)) {
      throw new Unroutable("a block without a transactions array");
    }
    Object height = b.getJsonObject("block_identifier", new JsonObject()).getValue("index");
    for (Object t : txs) {
      JsonObject tx = t instanceof JsonObject o ? o : new JsonObject();
      JsonObject meta = tx.getJsonObject("metadata", new JsonObject());
      String hash = tx.getJsonObject("transaction_identifier", new JsonObject()).getString("hash");
      if (hash == null || !Boolean.TRUE.equals(meta.getValue("success"))) {
        continue; // a failed transaction changed nothing on chain
      }
      JsonArray receipt = meta.getJsonObject("receipt", new JsonObject()).getJsonArray("events", new JsonArray());
      for (Object e : receipt) {
        if (e instanceof JsonObject event) {
          printEvent(event, hash, height, found);
        }
      }
    }
  }

  private static void printEvent(JsonObject event, String hash, Object height, Found found) {
    JsonObject data = event.getJsonObject("data", new JsonObject());
    if (!"SmartContractEvent".equals(event.getString("type")) || !"print".equals(data.getString("topic"))
        || !(data.getValue("value") instanceof JsonObject value) || !(value.getValue("event") instanceof String name)) {
      return;
    }
    String type = MARKET.containsKey(name) ? MARKET.get(name) : STREAM.get(name);
    if (type == null) {
      return; // another contract event: not one Herald routes
    }
    Object index = event.getJsonObject("position", new JsonObject()).getValue("index");
    JsonObject out = new JsonObject();
    value.forEach(f -> {
      if (!f.getKey().equals("event")) {
        out.put(camel(f.getKey()), f.getValue());
      }
    });
    out.put("event", name).put("txId", hash).put("blockHeight", height).put("contract", data.getString("contract_identifier"));
    Set<String> channels = new LinkedHashSet<>();
    if (MARKET.containsKey(name)) {
      channels.add("market");
      wallets(out, channels, "seller", "buyer");
    } else {
      if (out.getValue("streamId") != null && ChannelName.isValid("stream:" + out.getValue("streamId"))) {
        channels.add("stream:" + out.getValue("streamId"));
      }
      wallets(out, channels, "sender", "recipient");
    }
    found.event(channels, type, hash + ":" + index, out);
  }

  private static void wallets(JsonObject data, Set<String> channels, String... fields) {
    for (String f : fields) {
      if (data.getValue(f) instanceof String address && ChannelName.isValid("user:" + address)) {
        channels.add("user:" + address);
      }
    }
  }

  /** stream-id → streamId, start-block → startBlock. */
  private static String camel(String key) {
    StringBuilder out = new StringBuilder(key.length());
    boolean upper = false;
    for (char c : key.toCharArray()) {
      if (c == '-' || c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }
}
