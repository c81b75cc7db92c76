package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Timeouts;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A live query as its client sees it: the snapshot, then appear / update / disappear folded into
 * id -> document. Folding checks what the contract promises of every frame: change seqs strictly
 * increase past the snapshot's (none twice), an appear is of a document the client lacks, an update
 * raises the rev of one it has, a disappear carries exactly the version it last saw, and a later
 * snapshot comes only as a reset.
 */
final class LiveView {

  private final BridgeClient client;
  final String address;
  private final JsonObject headers;
  private final Map<String, JsonObject> docs = new HashMap<>();
  /** Every envelope folded, in the order it came. */
  final List<JsonObject> received = new ArrayList<>();
  /** The seq of the last snapshot or change folded (the resume point). */
  long seq = -1;

  private LiveView(BridgeClient client, String address, JsonObject headers) {
    this.client = client;
    this.address = address;
    this.headers = headers;
  }

  /** Registers the query and folds its snapshot. */
  static LiveView open(BridgeClient client, String address, JsonObject headers) {
    LiveView view = new LiveView(client, address, headers);
    client.subscribe(address, headers);
    JsonObject first = view.take(Timeouts.FRAME);
    assertThat(first.getString("type")).as("%s's first frame", address).isEqualTo("query.snapshot");
    assertThat(first.getJsonObject("data").containsKey("reset")).as("a first snapshot is no reset").isFalse();
    view.fold(first);
    return view;
  }

  static LiveView open(BridgeClient client, String address) {
    return open(client, address, new JsonObject());
  }

  /** Registers the query from a change seq, nothing folded yet: the changes after it come, no snapshot first. */
  static LiveView replay(BridgeClient client, String address, long since) {
    LiveView view = new LiveView(client, address, new JsonObject());
    view.seq = since;
    view.resume();
    return view;
  }

  /** Registers again on the same address from where it left off ({@code since}: its last seq). */
  void resume() {
    client.subscribe(address, headers.copy().put("since", seq));
  }

  /**
   * Unregisters, and returns once the node has ended the query (a register on the same socket,
   * acked, is handled after it), having folded what the query sent until then: its seq is then
   * where a resume starts.
   */
  void unregister() {
    client.unregister(address);
    String fence = address + "-unregistered";
    client.subscribe(fence);
    client.unregister(fence);
    foldArrived();
  }

  /** The documents as folded so far. */
  Map<String, JsonObject> docs() {
    return Map.copyOf(docs);
  }

  /** Folds frames as they come until the fold holds that document at that rev or later. */
  void awaitRev(String id, long rev) {
    awaitUntil(d -> d.containsKey(id) && d.get(id).getLong("_rev") >= rev, "to hold " + id + " at rev " + rev);
  }

  /** Folds frames as they come until the fold lacks that document (it was folded in before). */
  void awaitAbsent(String id) {
    awaitUntil(d -> !d.containsKey(id), "to lose " + id);
  }

  private void awaitUntil(Predicate<Map<String, JsonObject>> done, String what) {
    long deadline = System.nanoTime() + Timeouts.SETTLE.toNanos();
    while (!done.test(docs)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(address + " did not come " + what + "; holds " + docs.keySet());
      }
      fold(take(Duration.ofNanos(left)));
    }
  }

  /** Folds the frames that have already come, without waiting. */
  void foldArrived() {
    while (client.pending().stream().anyMatch(this::mine)) {
      fold(take(Timeouts.FRAME));
    }
  }

  private JsonObject take(Duration timeout) {
    return client.next(this::mine, timeout).getJsonObject("body");
  }

  private boolean mine(JsonObject frame) {
    return "rec".equals(frame.getString("type")) && address.equals(frame.getString("address"));
  }

  private void fold(JsonObject envelope) {
    received.add(envelope);
    String type = envelope.getString("type");
    long at = envelope.getLong("seq");
    JsonObject data = envelope.getJsonObject("data");
    if ("query.snapshot".equals(type)) {
      assertThat(data.getLong("seq")).as("the snapshot's seq in %s", envelope).isEqualTo(at);
      if (seq >= 0) {
        assertThat(data.getBoolean("reset", false)).as("a snapshot after the first is a reset: %s", envelope).isTrue();
        assertThat(at).as("a reset never goes back: %s", envelope).isGreaterThanOrEqualTo(seq);
      }
      docs.clear();
      data.getJsonArray("docs").forEach(d -> docs.put(((JsonObject) d).getString("_id"), (JsonObject) d));
      seq = at;
      return;
    }
    String id = envelope.getString("id");
    assertThat(at).as("seq of %s after %s", envelope, seq).isGreaterThan(seq);
    assertThat(data.getString("_id")).as("the document of %s", envelope).isEqualTo(id);
    JsonObject had = docs.get(id);
    switch (type) {
      case "appear" -> {
        assertThat(had).as("appear of a document the client already holds: %s", envelope).isNull();
        docs.put(id, data);
      }
      case "update" -> {
        assertThat(had).as("update of a document the client lacks: %s", envelope).isNotNull();
        assertThat(data.getLong("_rev")).as("the rev of %s over %s", envelope, had).isGreaterThan(had.getLong("_rev"));
        docs.put(id, data);
      }
      case "disappear" -> {
        assertThat(had).as("disappear of a document the client lacks: %s", envelope).isNotNull();
        assertThat(data).as("a disappear carries the version last seen").isEqualTo(had);
        docs.remove(id);
      }
      default -> throw new AssertionError("unexpected frame on " + address + ": " + envelope);
    }
    seq = at;
  }
}
