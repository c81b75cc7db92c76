package dev.herald.hub;

import static dev.herald.testing.Envelopes.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.multimap.MultiMap;
import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.TestNode;
import dev.herald.testing.ThreeNodeTest;
import dev.herald.testing.Timeouts;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Three real Hazelcast-clustered nodes in one JVM on loopback, sharing one PostgreSQL. */
class ClusterDeliveryTest extends ThreeNodeTest {

  @Test
  void eventPublishedOnOneNodeReachesSubscribersOnEveryNodeExactlyOnceInOrder() {
    String channel = "market:cross";
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (TestNode node : cluster.nodes()) {
        BridgeClient client = node.bridge();
        client.subscribe(channel);
        clients.add(client);
      }
      awaitClusterRegistrations(channel, 3);
      for (int i = 1; i <= 100; i++) {
        assertThat(cluster.node(0).http.publish(channel, "listing.created", i).status()).isEqualTo(201);
      }
      for (BridgeClient client : clients) {
        List<JsonObject> got = client.deliveries(channel, 100, Timeouts.SETTLE);
        assertThat(seqs(got)).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(got.get(41).getInteger("data")).isEqualTo(42);
      }
      assertNothingMore(clients, channel);
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  @Test
  void concurrentPublishersOnTwoNodesGetGapFreeSeqAndSubscribersSeeItInOrder() throws Exception {
    String channel = "market:contended";
    try (BridgeClient onC = cluster.node(2).bridge(); BridgeClient onA = cluster.node(0).bridge()) {
      onC.subscribe(channel);
      onA.subscribe(channel);
      awaitClusterRegistrations(channel, 2);
      ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
      List<CompletableFuture<Void>> publishers = new ArrayList<>();
      for (int p = 0; p < 4; p++) {
        TestNode via = cluster.node(p % 2); // nodes A and B, two publishers each
        publishers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 75; i++) {
            seqs.add(via.http.publish(channel, "bid", i).json().getLong("seq"));
          }
        }));
      }
      CompletableFuture.allOf(publishers.toArray(new CompletableFuture[0])).get();
      List<Long> expected = LongStream.rangeClosed(1, 300).boxed().toList();
      assertThat(seqs.stream().sorted().toList()).containsExactlyElementsOf(expected);
      for (BridgeClient client : List.of(onC, onA)) {
        assertThat(seqs(client.deliveries(channel, 300, Timeouts.SETTLE))).containsExactlyElementsOf(expected);
      }
      assertNothingMore(List.of(onC, onA), channel);
    }
  }

  @Test
  void theSameIdPostedConcurrentlyOnTwoNodesIsStoredOnce() throws Exception {
    String channel = "market:race";
    JsonObject event = new JsonObject().put("type", "sold").put("id", "delivery-9").put("data", 9);
    List<CompletableFuture<dev.herald.testing.Http.Response>> posts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      TestNode via = cluster.node(i % 2);
      posts.add(CompletableFuture.supplyAsync(() -> via.http.post("/api/v1/channels/" + channel + "/events", event,
          "X-Api-Key", TestNode.API_KEY)));
    }
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<dev.herald.testing.Http.Response> post : posts) {
      dev.herald.testing.Http.Response r = post.get();
      statuses.add(r.status());
      assertThat(r.json().getLong("seq")).isEqualTo(1);
    }
    assertThat(statuses).containsOnly(200, 201);
    assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(1);
    JsonObject history = cluster.node(2).http.get("/api/v1/channels/" + channel + "/events").json();
    assertThat(history.getJsonArray("events")).hasSize(1);
    assertThat(history.getLong("lastSeq")).isEqualTo(1);
  }

  @Test
  void eachNodeHoldsOneClusterConsumerPerChannelWhateverItsSocketCount() {
    String channel = "market:crowd";
    List<BridgeClient> onB = new ArrayList<>();
    List<BridgeClient> onC = new ArrayList<>();
    try {
      for (int i = 0; i < 25; i++) {
        BridgeClient c = cluster.node(1).bridge();
        c.subscribe(channel);
        onB.add(c);
      }
      for (int i = 0; i < 5; i++) {
        BridgeClient c = cluster.node(2).bridge();
        c.subscribe(channel);
        onC.add(c);
      }
      awaitClusterRegistrations(channel, 2);
      assertThat(cluster.node(1).herald.hub().subscriberCount(channel).await()).isEqualTo(25);
      cluster.node(0).http.publish(channel, "hello", "all");
      for (BridgeClient c : onB) {
        assertThat(c.deliveries(channel, 1, Timeouts.SETTLE)).hasSize(1);
      }
      for (BridgeClient c : onC) {
        assertThat(c.deliveries(channel, 1, Timeouts.SETTLE)).hasSize(1);
      }
      onB.forEach(BridgeClient::close);
      awaitClusterRegistrations(channel, 1); // node B let go of the channel with its last socket
      assertThat(cluster.node(1).herald.hub().subscriberCount(channel).await()).isZero();
    } finally {
      onB.forEach(BridgeClient::close);
      onC.forEach(BridgeClient::close);
    }
  }

  /** Cluster-wide event-bus registrations for the channel's address, as Hazelcast stores them. */
  static int clusterRegistrations(String channel) {
    HazelcastClusterManager cm = (HazelcastClusterManager) cluster.node(0).herald.clusterManager();
    MultiMap<String, Object> subs = cm.getHazelcastInstance().getMultiMap("__vertx.subs");
    return subs.get(Hub.address(channel)).size();
  }

  static void awaitClusterRegistrations(String channel, int expected) {
    Eventually.equal(() -> clusterRegistrations(channel), expected);
  }

  /**
   * Publishes a fence event on another channel; once every client has it, nothing else may be
   * pending. No wait for registrations here: a node that learns of a subscriber late recovers the
   * event from the journal, which is part of what this proves.
   */
  static void assertNothingMore(List<BridgeClient> clients, String channel) {
    String fence = channel + "-fence";
    for (BridgeClient c : clients) {
      c.subscribe(fence);
    }
    cluster.node(0).http.publish(fence, "fence", 0);
    for (BridgeClient c : clients) {
      c.deliveries(fence, 1, Timeouts.SETTLE);
      assertThat(c.pending()).noneMatch(f -> channel.equals(f.getString("address")));
    }
  }

}
