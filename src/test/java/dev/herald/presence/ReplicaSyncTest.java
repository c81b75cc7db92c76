package dev.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.presence.PresenceEvent.Join;
import dev.herald.presence.PresenceEvent.Leave;
import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The replica protocol between nodes wired together in memory: every message is encoded and decoded
 * as the clustered event bus would, and delivered only when the test says so, so that it can lose,
 * repeat or hold back any of them.
 */
class ReplicaSyncTest {

  static final String ROOM = "chat:room";
  static final JsonObject ALICE = new JsonObject().put("name", "Alice");

  final Node a = new Node("a");
  final Node b = new Node("b");
  final Node c = new Node("c");

  @Test
  void localChangesAreBatchedIntoOneDeltaOfLatestStatesWithConsecutiveVersions() {
    assertThat(a.local(a.sockets.join("s1", ROOM, "alice", ALICE, true, true))).isTrue();
    a.local(a.sockets.join("s2", ROOM, "bob", null, true, false));
    a.local(a.sockets.leave("s2", ROOM));
    a.sync.flush();
    a.sync.flush(); // nothing new: nothing sent

    assertThat(a.published).hasSize(1);
    Delta first = ReplicaMessages.readDelta(a.published.get(0));
    assertThat(first.version()).isEqualTo(1);
    assertThat(first.entries()).containsExactly(Map.entry(new Key(ROOM, "alice"), new Entry(ALICE, 1, false)),
        Map.entry(new Key(ROOM, "bob"), new Entry(new JsonObject(), 0, false)));
    assertThat(first.viewers()).containsExactly(Map.entry(ROOM, 1));

    a.local(a.sockets.leave("s1", ROOM));
    a.sync.flush();
    Delta second = ReplicaMessages.readDelta(a.published.get(1));
    assertThat(second.version()).isEqualTo(2);
    assertThat(second.entries()).containsExactly(Map.entry(new Key(ROOM, "alice"), new Entry(ALICE, 0, false)));
    assertThat(second.viewers()).containsExactly(Map.entry(ROOM, 0));
  }

  @Test
  void aNewcomersHelloIsAnsweredWithEveryNodesFullReplica() {
    connect(a, b);
    a.local(a.sockets.join("a1", ROOM, "alice", ALICE, true, true));
    b.local(b.sockets.join("b1", ROOM, "bob", null, true, true));
    a.sync.flush();
    b.sync.flush();
    deliverAll(a, b);

    c.sync.hello();
    List<PresenceEvent> told = deliverAll(a, b, c).get(c);
    assertThat(told).containsExactlyInAnyOrder(new Join(ROOM, new Member("alice", ALICE, 1)),
        new Join(ROOM, new Member("bob", null, 1)));
    assertThat(c.state.members(ROOM)).extracting(Member::userId).containsExactly("alice", "bob");
    assertThat(c.state.viewers(ROOM)).isEqualTo(2);
  }

  @Test
  void aGapAsksForTheFullReplicaOnceAndTheAnswerCatchesUp() {
    connect(a, b);
    a.local(a.sockets.join("a1", ROOM, "alice", ALICE, true, false));
    a.sync.flush();
    a.published.clear(); // b misses delta 1
    a.local(a.sockets.join("a2", ROOM, "bob", null, true, false));
    a.sync.flush();
    a.local(a.sockets.join("a3", ROOM, "carol", null, true, false));
    a.sync.flush();

    for (JsonObject delta : a.takePublished()) {
      assertThat(b.sync.received(delta)).isEqualTo(Changes.NONE);
    }
    assertThat(b.sent).as("one request for deltas 2 and 3").containsExactly(new Sent("a", ReplicaMessages.sync("b")));
    assertThat(deliverAll(a, b).get(b)).extracting(PresenceEvent::type)
        .containsExactly("presence.join", "presence.join", "presence.join");
    assertThat(b.state.members(ROOM)).extracting(Member::userId).containsExactly("alice", "bob", "carol");

    a.local(a.sockets.leave("a1", ROOM));
    a.sync.flush();
    assertThat(deliverAll(a, b).get(b)).containsExactly(new Leave(ROOM, new Member("alice", ALICE, 0)));
  }

  @Test
  void aLostRequestForTheFullReplicaIsAskedAgainAfterTheRetryInterval() {
    bMissesADeltaAndItsRequestForTheFullReplicaIsLost();

    a.local(a.sockets.join("a3", ROOM, "carol", null, true, true));
    a.sync.flush();
    b.sync.received(a.takePublished().get(0));
    assertThat(b.sent).as("within the retry interval: still waiting for the first answer").isEmpty();

    b.now += ReplicaSync.SYNC_RETRY_NANOS + 1;
    a.local(a.sockets.join("a4", ROOM, "dave", null, true, true));
    a.sync.flush();
    b.sync.received(a.takePublished().get(0));
    assertThat(b.sent).as("asked again").containsExactly(new Sent("a", ReplicaMessages.sync("b")));
    deliverAll(a, b);
    assertThat(b.state.members(ROOM)).extracting(Member::userId).containsExactly("alice", "bob", "carol", "dave");
    assertThat(b.state.viewers(ROOM)).isEqualTo(4);
  }

  @Test
  void aLostRequestIsAskedAgainOnTheRetryTimerWhenNoMoreDeltasCome() {
    bMissesADeltaAndItsRequestForTheFullReplicaIsLost(); // and the channel goes quiet

    b.sync.retryOverdue();
    assertThat(b.sent).as("not yet overdue").isEmpty();
    b.now += ReplicaSync.SYNC_RETRY_NANOS + 1;
    b.sync.retryOverdue();
    assertThat(b.sent).containsExactly(new Sent("a", ReplicaMessages.sync("b")));
    deliverAll(a, b);
    assertThat(b.state.viewers(ROOM)).isEqualTo(2);
    b.now += ReplicaSync.SYNC_RETRY_NANOS + 1;
    b.sent.clear();
    b.sync.retryOverdue();
    assertThat(b.sent).as("answered: nothing to ask").isEmpty();
  }

  /** a's alice and bob on b: b misses delta 1, asks a for its full replica on delta 2, and the request is lost. */
  private void bMissesADeltaAndItsRequestForTheFullReplicaIsLost() {
    connect(a, b);
    a.local(a.sockets.join("a1", ROOM, "alice", ALICE, true, true));
    a.sync.flush();
    a.published.clear(); // b misses delta 1
    a.local(a.sockets.join("a2", ROOM, "bob", null, true, true));
    a.sync.flush();
    b.sync.received(a.takePublished().get(0));
    assertThat(b.sent).containsExactly(new Sent("a", ReplicaMessages.sync("b")));
    b.sent.clear(); // lost (a did not listen yet, say)
  }

  @Test
  void aHelloAlsoFetchesTheNewcomersReplicaWhoseDeltasWentNowhere() {
    connect(a, b);
    b.local(b.sockets.join("b1", ROOM, "bob", null, true, true));
    b.sync.flush();
    b.published.clear(); // said before a listened: lost, and b's channel goes quiet
    b.sync.hello();      // said again once the cluster has formed
    deliverAll(a, b);
    assertThat(a.state.members(ROOM)).extracting(Member::userId).containsExactly("bob");
    assertThat(a.state.viewers(ROOM)).isEqualTo(1);
  }

  @Test
  void aRepeatedDeltaChangesNothing() {
    connect(a, b);
    a.local(a.sockets.join("a1", ROOM, "alice", ALICE, true, true));
    a.sync.flush();
    JsonObject delta = a.published.get(0);
    assertThat(deliverAll(a, b).get(b)).hasSize(1);

    assertThat(b.sync.received(delta)).isEqualTo(Changes.NONE);
    assertThat(deliverAll(a, b).get(b)).as("the full replica it asks for is no newer").isEmpty();
    assertThat(b.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 1));
    assertThat(b.state.viewers(ROOM)).isEqualTo(1);
  }

  @Test
  void messagesFromThisNodeItselfAreIgnored() {
    a.local(a.sockets.join("a1", ROOM, "alice", ALICE, true, false));
    a.sync.flush();
    a.sync.hello();
    for (JsonObject own : a.takePublished()) {
      assertThat(a.sync.received(own)).isEqualTo(Changes.NONE);
    }
    assertThat(a.sent).as("no full replica to itself, no request to itself").isEmpty();
  }

  @Test
  void aDepartedNodeIsIgnoredWhateverItSends() {
    connect(a, b);
    b.local(b.sockets.join("b1", ROOM, "bob", null, true, false));
    b.sync.flush();
    deliverAll(a, b);
    assertThat(a.sync.nodeGone("b").events()).containsExactly(new Leave(ROOM, new Member("bob", null, 0)));

    b.local(b.sockets.join("b2", ROOM, "carol", null, true, false));
    b.sync.flush();
    b.published.add(ReplicaMessages.hello("b"));
    b.sent.add(new Sent("a", ReplicaMessages.full(b.state.local())));
    assertThat(deliverAll(a, b).get(a)).isEmpty();
    assertThat(a.sent).as("no request to it, no replica for it").isEmpty();
    assertThat(a.state.members(ROOM)).isEmpty();
  }

  @Test
  void replicasAndDeltasSurviveTheirJsonForm() {
    Replica replica = new Replica("n1");
    replica.version(7);
    replica.put(new Key(ROOM, "alice"), new Entry(ALICE, 2, true));
    replica.put(new Key("chat:other", "bob"), new Entry(new JsonObject(), 1, false));
    replica.put(new Key("chat:other", "carol"), new Entry(new JsonObject().put("status", "away"), 1, false, 1_796_300_000_000L));
    replica.setViewers(ROOM, 3);
    Replica back = ReplicaMessages.readFull(roundTrip(ReplicaMessages.full(replica)));
    assertThat(back.nodeId()).isEqualTo("n1");
    assertThat(back.version()).isEqualTo(7);
    assertThat(back.keys()).containsExactlyInAnyOrderElementsOf(replica.keys());
    replica.keys().forEach(key -> assertThat(back.get(key)).isEqualTo(replica.get(key)));
    assertThat(back.allViewers()).isEqualTo(Map.of(ROOM, 3));

    Map<Key, Entry> entries = new LinkedHashMap<>();
    entries.put(new Key(ROOM, "carol"), new Entry(ALICE, 1, true, 42));
    entries.put(new Key(ROOM, "alice"), new Entry(new JsonObject(), 0, false));
    Delta delta = new Delta("n1", 8, entries, Map.of(ROOM, 0));
    assertThat(ReplicaMessages.readDelta(roundTrip(ReplicaMessages.delta(delta)))).isEqualTo(delta);
  }

  /** Each node has the other's full replica, as after their hellos. */
  static void connect(Node... nodes) {
    for (Node node : nodes) {
      node.sync.hello();
    }
    deliverAll(nodes);
  }

  /** Delivers every message in flight, and those they cause, until none is left; what each node was told. */
  static Map<Node, List<PresenceEvent>> deliverAll(Node... nodes) {
    Map<Node, List<PresenceEvent>> told = new LinkedHashMap<>();
    for (Node node : nodes) {
      told.put(node, new ArrayList<>());
    }
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Node from : nodes) {
        for (JsonObject message : from.takePublished()) {
          moved = true;
          for (Node to : nodes) {
            told.get(to).addAll(to.sync.received(roundTrip(message)).events());
          }
        }
        for (Sent sent : from.takeSent()) {
          moved = true;
          for (Node to : nodes) {
            if (to.state.local().nodeId().equals(sent.node())) {
              told.get(to).addAll(to.sync.receivedDirect(roundTrip(sent.message())).events());
            }
          }
        }
      }
    }
    return told;
  }

  /** What the clustered event bus does to a JsonObject between nodes. */
  static JsonObject roundTrip(JsonObject message) {
    return new JsonObject(message.encode());
  }

  record Sent(String node, JsonObject message) {
  }

  /** One node: its state, sockets and protocol, and the messages it sent that are not delivered yet. */
  static final class Node implements ReplicaSync.Transport {
    final PresenceState state;
    final LocalSockets sockets;
    final ReplicaSync sync;
    final List<JsonObject> published = new ArrayList<>();
    final List<Sent> sent = new ArrayList<>();
    /** The node's clock (nanoseconds), moved by the test. */
    long now;

    Node(String id) {
      state = new PresenceState(id);
      sockets = new LocalSockets(state);
      sync = new ReplicaSync(state, this, () -> now);
    }

    /** A change of this node's replica, queued for the next delta as the verticle does; true when one is due. */
    boolean local(Changes changes) {
      return sync.queue(changes);
    }

    @Override
    public void publish(JsonObject message) {
      published.add(message);
    }

    @Override
    public void send(String node, JsonObject message) {
      sent.add(new Sent(node, message));
    }

    List<JsonObject> takePublished() {
      List<JsonObject> taken = List.copyOf(published);
      published.clear();
      return taken;
    }

    List<Sent> takeSent() {
      List<Sent> taken = List.copyOf(sent);
      sent.clear();
      return taken;
    }
  }
}
