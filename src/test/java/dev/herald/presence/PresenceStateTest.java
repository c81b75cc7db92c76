package dev.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.presence.PresenceEvent.Join;
import dev.herald.presence.PresenceEvent.Leave;
import dev.herald.presence.PresenceEvent.Typing;
import dev.herald.presence.PresenceEvent.Update;
import dev.herald.presence.Replica.Entry;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The merge of replicas and what it tells subscribers, with no cluster and no bus: each node is a
 * {@link PresenceState} with its {@link LocalSockets}, and what one node's change wrote is handed to
 * the others as a delta, the way Phoenix's state_test merges replicas.
 */
class PresenceStateTest {

  static final String ROOM = "chat:room";
  static final JsonObject ALICE = new JsonObject().put("name", "Alice");

  final Node a = new Node("a");
  final Node b = new Node("b");
  final Node c = new Node("c");

  @Test
  void aUserJoinsOnItsFirstConnectionInTheClusterAndLeavesWithItsLast() {
    introduce(a, b);
    Join join = new Join(ROOM, new Member("alice", ALICE, 1));
    Changes first = a.sockets.join("a1", ROOM, "alice", ALICE, true, false);
    assertThat(first.events()).containsExactly(join);
    assertThat(b.apply(a, first).events()).containsExactly(join);

    Changes second = b.sockets.join("b1", ROOM, "alice", ALICE, true, false);
    assertThat(second.events()).isEmpty();
    assertThat(a.apply(b, second).events()).isEmpty();
    assertThat(a.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 2));
    assertThat(b.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 2));

    Changes oneGone = a.sockets.leave("a1", ROOM);
    assertThat(oneGone.events()).isEmpty();
    assertThat(b.apply(a, oneGone).events()).isEmpty();

    Changes lastGone = b.sockets.leave("b1", ROOM);
    Leave leave = new Leave(ROOM, new Member("alice", ALICE, 0));
    assertThat(lastGone.events()).containsExactly(leave);
    assertThat(a.apply(b, lastGone).events()).containsExactly(leave);
    assertThat(a.state.members(ROOM)).isEmpty();
    assertThat(b.state.members(ROOM)).isEmpty();
  }

  @Test
  void aUsersInfoIsThatOfTheFirstReplicaWithConnectionsTheOtherNodesBeforeThisOne() {
    introduce(a, b);
    b.apply(a, a.sockets.join("a1", ROOM, "alice", ALICE, true, false));
    b.apply(a, a.sockets.join("a2", ROOM, "alice", new JsonObject().put("name", "second tab"), true, false));
    assertThat(a.state.members(ROOM)).as("a node keeps the info of the user's first socket there")
        .containsExactly(new Member("alice", ALICE, 2));

    JsonObject onB = new JsonObject().put("name", "Alice on b");
    a.apply(b, b.sockets.join("b1", ROOM, "alice", onB, true, false));
    assertThat(b.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 3));
    assertThat(a.state.members(ROOM)).containsExactly(new Member("alice", onB, 3));

    a.sockets.leave("a1", ROOM);
    Changes aGone = a.sockets.leave("a2", ROOM);
    assertThat(aGone.events()).isEmpty();
    assertThat(b.apply(a, aGone).events()).as("b's subscribers saw a's info: now they are told b's")
        .containsExactly(new Update(ROOM, new Member("alice", onB, 1)));
    assertThat(b.state.members(ROOM)).containsExactly(new Member("alice", onB, 1));
  }

  @Test
  void anInfoChangeIsToldOnEveryNodeAndTheNewestChangeWinsWhereverTheUserIs() {
    introduce(a, b);
    b.apply(a, a.sockets.join("a1", ROOM, "alice", ALICE, true, false));
    a.apply(b, b.sockets.join("b1", ROOM, "alice", ALICE, true, false));

    JsonObject away = ALICE.copy().put("status", "away");
    Changes onB = b.sockets.update("b1", ROOM, away, 1_000);
    Update toldAway = new Update(ROOM, new Member("alice", away, 2));
    assertThat(onB.events()).containsExactly(toldAway);
    assertThat(a.apply(b, onB).events()).as("a's own entry still has the old info: b's is newer").containsExactly(toldAway);

    JsonObject busy = ALICE.copy().put("status", "busy");
    Changes onA = a.sockets.update("a1", ROOM, busy, 2_000);
    Update toldBusy = new Update(ROOM, new Member("alice", busy, 2));
    assertThat(onA.events()).containsExactly(toldBusy);
    assertThat(b.apply(a, onA).events()).containsExactly(toldBusy);

    Changes anotherTab = a.sockets.join("a2", ROOM, "alice", ALICE, true, false);
    assertThat(anotherTab.events()).as("a tab joining with the old info does not undo the change").isEmpty();
    assertThat(b.apply(a, anotherTab).events()).isEmpty();
    assertThat(a.state.members(ROOM)).containsExactly(new Member("alice", busy, 3));
    assertThat(b.state.members(ROOM)).containsExactly(new Member("alice", busy, 3));

    Changes same = a.sockets.update("a1", ROOM, busy, 3_000);
    assertThat(same.events()).as("the same info again tells no one").isEmpty();
    assertThat(a.sockets.update("a9", ROOM, away, 4_000)).as("a socket that is not a member there changes nothing").isNull();
  }

  @Test
  void typingShowsWhileTheUserTypesOnAnyNode() {
    introduce(a, b);
    Key alice = new Key(ROOM, "alice");
    Changes startsOnA = a.sockets.startTyping("a1", alice);
    assertThat(startsOnA.events()).containsExactly(new Typing(ROOM, "alice", true));
    assertThat(b.apply(a, startsOnA).events()).containsExactly(new Typing(ROOM, "alice", true));

    Changes startsOnB = b.sockets.startTyping("b1", alice);
    assertThat(startsOnB.events()).isEmpty();
    assertThat(a.apply(b, startsOnB).events()).isEmpty();

    Changes stopsOnA = a.sockets.stopTyping(alice);
    assertThat(stopsOnA.events()).isEmpty();
    assertThat(stopsOnA.typingEnded()).containsExactly(alice);
    assertThat(b.apply(a, stopsOnA).events()).isEmpty();

    Changes stopsOnB = b.sockets.stopTyping(alice);
    assertThat(stopsOnB.events()).containsExactly(new Typing(ROOM, "alice", false));
    assertThat(a.apply(b, stopsOnB).events()).containsExactly(new Typing(ROOM, "alice", false));
  }

  @Test
  void renewingTypingWritesTheEntryAgainWithoutTellingAnyone() {
    Key alice = new Key(ROOM, "alice");
    a.sockets.startTyping("a1", alice);
    Changes renewed = a.sockets.startTyping("a1", alice);
    assertThat(renewed.events()).isEmpty();
    assertThat(renewed.written()).containsExactly(Map.entry(alice, new Entry(null, 0, true)));
    assertThat(a.sockets.stopTyping(alice).events()).containsExactly(new Typing(ROOM, "alice", false));
    assertThat(a.sockets.stopTyping(alice)).isEqualTo(Changes.NONE);
  }

  @Test
  void aSocketLeavingStopsItsOwnTypingBeforeItsLeaveAndNotAnotherTabs() {
    Key alice = new Key(ROOM, "alice");
    a.sockets.join("tab1", ROOM, "alice", ALICE, true, false);
    a.sockets.join("tab2", ROOM, "alice", ALICE, true, false);
    a.sockets.startTyping("tab2", alice);

    Changes tab1Gone = a.sockets.leave("tab1", ROOM);
    assertThat(tab1Gone.events()).isEmpty();
    assertThat(tab1Gone.typingEnded()).isEmpty();

    Changes tab2Gone = a.sockets.leaveAll("tab2");
    assertThat(tab2Gone.events())
        .containsExactly(new Typing(ROOM, "alice", false), new Leave(ROOM, new Member("alice", ALICE, 0)));
    assertThat(tab2Gone.typingEnded()).containsExactly(alice);
    assertThat(tab2Gone.written()).containsExactly(Map.entry(alice, new Entry(ALICE, 0, false)));
  }

  @Test
  void closingASocketStopsItsTypingEvenWhereItNeverJoined() {
    Key elsewhere = new Key("chat:other", "alice");
    a.sockets.join("s", ROOM, "alice", ALICE, true, false);
    a.sockets.startTyping("s", elsewhere);
    Changes closed = a.sockets.leaveAll("s");
    assertThat(closed.events()).containsExactlyInAnyOrder(new Typing("chat:other", "alice", false),
        new Leave(ROOM, new Member("alice", ALICE, 0)));
    assertThat(closed.typingEnded()).containsExactly(elsewhere);
    assertThat(a.sockets.leaveAll("s")).isEqualTo(Changes.NONE);
  }

  @Test
  void subscribingAgainReplacesWhatTheSocketAddedBefore() {
    a.sockets.join("s", ROOM, "alice", ALICE, true, true);
    Changes again = a.sockets.join("s", ROOM, "alice", new JsonObject().put("name", "renamed"), true, true);
    // taken back then added again: a leave and a join, and still one connection and one viewer
    assertThat(again.events()).containsExactly(new Leave(ROOM, new Member("alice", ALICE, 0)),
        new Join(ROOM, new Member("alice", new JsonObject().put("name", "renamed"), 1)));
    assertThat(a.state.members(ROOM)).extracting(Member::connections).containsExactly(1);
    assertThat(a.state.viewers(ROOM)).isEqualTo(1);
  }

  @Test
  void viewersAndAnonymousSocketsCountButAreNotListed() {
    Changes viewer = a.sockets.join("v", ROOM, "vic", null, false, true);
    Changes anonymous = a.sockets.join("anon", ROOM, null, null, true, true);
    assertThat(viewer.events()).isEmpty();
    assertThat(anonymous.events()).isEmpty();
    assertThat(viewer.viewerChannels()).containsExactly(ROOM);
    assertThat(a.state.members(ROOM)).isEmpty();
    assertThat(a.state.viewers(ROOM)).isEqualTo(2);
    assertThat(a.sockets.leave("anon", ROOM).viewerChannels()).containsExactly(ROOM);
    assertThat(a.state.viewers(ROOM)).isEqualTo(1);
  }

  @Test
  void viewersAreSummedOverTheReplicas() {
    introduce(a, b);
    introduce(a, c);
    a.sockets.join("a1", ROOM, null, null, false, true);
    Changes twoOnB = b.sockets.join("b1", ROOM, null, null, false, true).plus(b.sockets.join("b2", ROOM, null, null, false, true));
    a.apply(b, twoOnB);
    Changes fromC = a.apply(c, c.sockets.join("c1", ROOM, null, null, false, true));
    assertThat(fromC.viewerChannels()).containsExactly(ROOM);
    assertThat(a.state.viewers(ROOM)).isEqualTo(4);
    a.apply(b, b.sockets.leave("b1", ROOM));
    assertThat(a.state.viewers(ROOM)).isEqualTo(3);
  }

  @Test
  void aDeltaAppliesOnlyAsTheNextVersionOfAKnownNode() {
    Changes join = b.sockets.join("b1", ROOM, "bob", null, true, false);
    assertThat(a.state.applyDelta(b.delta(join))).as("b is not known yet").isEmpty();
    assertThat(a.state.members(ROOM)).isEmpty();

    a.state.replaceRemote(copyOf(b.state.local()));
    assertThat(a.state.members(ROOM)).extracting(Member::userId).containsExactly("bob");
    Delta duplicate = new Delta("b", b.state.local().version(), Map.of(new Key(ROOM, "bob"), Entry.NONE), Map.of());
    assertThat(a.state.applyDelta(duplicate)).isEmpty();
    Delta skipped = new Delta("b", b.state.local().version() + 2, Map.of(new Key(ROOM, "bob"), Entry.NONE), Map.of());
    assertThat(a.state.applyDelta(skipped)).isEmpty();
    assertThat(a.state.members(ROOM)).extracting(Member::userId).containsExactly("bob");

    Changes leave = b.sockets.leave("b1", ROOM);
    assertThat(a.state.applyDelta(b.delta(leave))).hasValueSatisfying(changes ->
        assertThat(changes.events()).containsExactly(new Leave(ROOM, new Member("bob", new JsonObject(), 0))));
  }

  @Test
  void aNodeDepartingLeavesItsUsersStopsTheirTypingAndStaysGone() {
    introduce(a, b);
    a.apply(b, b.sockets.join("b1", ROOM, "carol", null, true, true));
    a.apply(b, b.sockets.startTyping("b1", new Key(ROOM, "carol")));
    a.apply(b, b.sockets.join("b2", ROOM, "alice", ALICE, true, false));
    a.sockets.join("a1", ROOM, "alice", ALICE, true, false);

    Changes gone = a.state.dropNode("b");
    assertThat(gone.events()).containsExactlyInAnyOrder(new Leave(ROOM, new Member("carol", new JsonObject(), 0)),
        new Typing(ROOM, "carol", false));
    assertThat(gone.events().indexOf(new Typing(ROOM, "carol", false)))
        .as("the leave comes first, as for any merge").isGreaterThan(0);
    assertThat(gone.viewerChannels()).containsExactly(ROOM);
    assertThat(a.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 1));
    assertThat(a.state.viewers(ROOM)).isZero();
    assertThat(a.state.isDeparted("b")).isTrue();

    // whatever still comes from it changes nothing
    assertThat(a.state.applyDelta(b.delta(b.sockets.join("b3", ROOM, "dave", null, true, false)))).isEmpty();
    assertThat(a.state.replaceRemote(copyOf(b.state.local()))).isEqualTo(Changes.NONE);
    assertThat(a.state.members(ROOM)).containsExactly(new Member("alice", ALICE, 1));
  }

  @Test
  void aFullReplicaReplacesTheCopyAndAnnouncesOnlyTheDifferences() {
    introduce(a, b);
    a.apply(b, b.sockets.join("b1", ROOM, "alice", ALICE, true, false));
    a.apply(b, b.sockets.join("b2", ROOM, "bob", null, true, false));
    // a misses b's next changes, then gets b's whole replica
    b.delta(b.sockets.leave("b1", ROOM));
    b.delta(b.sockets.join("b3", ROOM, "carol", null, true, false));
    b.delta(b.sockets.join("b4", ROOM, "bob", null, true, false));

    Changes full = a.state.replaceRemote(copyOf(b.state.local()));
    assertThat(full.events()).containsExactlyInAnyOrder(new Leave(ROOM, new Member("alice", ALICE, 0)),
        new Join(ROOM, new Member("carol", new JsonObject(), 1)));
    assertThat(a.state.members(ROOM)).containsExactly(new Member("bob", new JsonObject(), 2),
        new Member("carol", new JsonObject(), 1));
  }

  @Test
  void aFullReplicaNoNewerThanTheCopyIsIgnored() {
    introduce(a, b);
    Replica stale = copyOf(b.state.local());
    a.apply(b, b.sockets.join("b1", ROOM, "bob", null, true, false));
    Replica same = copyOf(b.state.local());
    same.put(new Key(ROOM, "mallory"), new Entry(null, 1, false));

    assertThat(a.state.replaceRemote(stale)).isEqualTo(Changes.NONE);
    assertThat(a.state.replaceRemote(same)).isEqualTo(Changes.NONE);
    assertThat(a.state.members(ROOM)).extracting(Member::userId).containsExactly("bob");
  }

  /** Each node takes the other's replica as it is now (what hello and full do). */
  static void introduce(Node first, Node second) {
    first.state.replaceRemote(copyOf(second.state.local()));
    second.state.replaceRemote(copyOf(first.state.local()));
  }

  static Replica copyOf(Replica replica) {
    Replica copy = new Replica(replica.nodeId());
    copy.version(replica.version());
    replica.keys().forEach(key -> copy.put(key, replica.get(key)));
    replica.allViewers().forEach(copy::setViewers);
    return copy;
  }

  /** One node's state and sockets; its local changes become deltas by hand, versioned like the real ones. */
  static final class Node {
    final PresenceState state;
    final LocalSockets sockets;

    Node(String id) {
      state = new PresenceState(id);
      sockets = new LocalSockets(state);
    }

    Delta delta(Changes local) {
      Replica replica = state.local();
      replica.version(replica.version() + 1);
      Map<String, Integer> viewers = new LinkedHashMap<>();
      local.viewerChannels().forEach(channel -> viewers.put(channel, replica.viewers(channel)));
      return new Delta(replica.nodeId(), replica.version(), local.written(), viewers);
    }

    /** Applies what {@code from}'s local change wrote, as its next delta; it must apply. */
    Changes apply(Node from, Changes local) {
      return state.applyDelta(from.delta(local)).orElseThrow();
    }
  }

}
