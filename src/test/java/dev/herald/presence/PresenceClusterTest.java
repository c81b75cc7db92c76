package dev.herald.presence;

import static dev.herald.testing.Envelopes.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.TestCluster;
import dev.herald.testing.TestNode;
import dev.herald.testing.Timeouts;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presence replicated across real Hazelcast-clustered nodes in one JVM. */
class PresenceClusterTest {

  static final String ROOM = "chat:everywhere";

  @Test
  void everyNodeAgreesOnWhoIsHereThroughJoinsLeavesNewcomersAndDepartures() {
    TestCluster cluster = TestCluster.start(3);
    List<BridgeClient> clients = new ArrayList<>();
    try {
      BridgeClient watcherA = open(clients, cluster.node(0), "watcher-a");
      BridgeClient watcherC = open(clients, cluster.node(2), "watcher-c");
      watcherA.subscribe(ROOM);
      watcherC.subscribe(ROOM);
      BridgeClient aliceOnA = open(clients, cluster.node(0), "alice");
      BridgeClient aliceOnB = open(clients, cluster.node(1), "alice");
      BridgeClient bobOnB = open(clients, cluster.node(1), "bob");
      BridgeClient carolOnC = open(clients, cluster.node(2), "carol");
      for (BridgeClient c : List.of(aliceOnA, aliceOnB, bobOnB, carolOnC)) {
        c.subscribe(ROOM);
      }
      List<String> everyone = List.of("alice:2", "bob:1", "carol:1", "watcher-a:1", "watcher-c:1");
      for (TestNode node : cluster.nodes()) {
        awaitMembers(node, everyone);
      }

      // typing on one node shows on the others
      bobOnB.request("herald.typing", new JsonObject().put("channel", ROOM));
      assertThat(PresenceTest.waitFor(watcherA, ROOM, "typing.start", "bob")).isNotNull();
      assertThat(PresenceTest.waitFor(watcherC, ROOM, "typing.start", "bob")).isNotNull();

      // a newcomer gets the current state
      TestNode late = cluster.addNode();
      awaitMembers(late, everyone);

      // one of alice's two tabs (on different nodes) closes: she is still here; the other: she leaves
      aliceOnA.close();
      awaitMembers(cluster.node(2), List.of("alice:1", "bob:1", "carol:1", "watcher-a:1", "watcher-c:1"));
      assertThat(watcherC.takeEphemeral(ROOM, "presence.leave")).isEmpty();
      aliceOnB.close();
      assertThat(PresenceTest.waitFor(watcherC, ROOM, "presence.leave", "alice")).isNotNull();
      assertThat(PresenceTest.waitFor(watcherA, ROOM, "presence.leave", "alice")).isNotNull();

      // node C goes away: its users leave everywhere else, nobody else does
      cluster.closeNode(2);
      assertThat(PresenceTest.waitFor(watcherA, ROOM, "presence.leave", "carol")).isNotNull();
      for (TestNode node : cluster.nodes()) {
        awaitMembers(node, List.of("bob:1", "watcher-a:1"));
      }
    } finally {
      clients.forEach(BridgeClient::close);
      cluster.close();
    }
  }

  @Test
  void viewerCountsAddUpAcrossNodes() {
    try (TestCluster cluster = TestCluster.start(2)) {
      TestNode a = cluster.node(0);
      TestNode b = cluster.node(1);
      String token = Tokens.user("v");
      List<BridgeClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          open(clients, a, "v").subscribe("stream:big");
        }
        for (int i = 0; i < 2; i++) {
          open(clients, b, "v").subscribe("stream:big");
        }
        for (TestNode node : List.of(a, b)) {
          Eventually.equal(() -> node.http.get("/api/v1/channels/stream:big/viewers", "Authorization", "Bearer " + token)
              .json().getInteger("count"), 5);
        }
        JsonObject last;
        do {
          last = clients.get(0).ephemeral("stream:big", "viewers", Timeouts.SETTLE);
        } while (data(last).getInteger("count") != 5);
      } finally {
        clients.forEach(BridgeClient::close);
      }
    }
  }

  static BridgeClient open(List<BridgeClient> clients, TestNode node, String user) {
    BridgeClient client = node.bridge(Tokens.user(user));
    clients.add(client);
    return client;
  }

  static void awaitMembers(TestNode node, List<String> expected) {
    Eventually.equal(() -> PresenceTest.members(node.http.get("/api/v1/channels/" + ROOM + "/presence",
        "X-Api-Key", TestNode.API_KEY).json()), expected);
  }

}
