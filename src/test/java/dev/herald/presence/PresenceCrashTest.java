package dev.herald.presence;

import static dev.herald.testing.Envelopes.userId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Eventually;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No ghosts: a node process killed with SIGKILL while its users are present is dropped by the
 * survivors, who emit the leaves within 10 s (Hazelcast failure detection, cluster.xml); the
 * survivors' own users and durable events are untouched.
 */
class PresenceCrashTest {

  static final String ROOM = "chat:crash";
  /** What the kill causes must come within this: Hazelcast's failure detection, the bound this test asserts. */
  static final Duration AFTER_KILL = Duration.ofSeconds(10);

  @Test
  void usersOfAKilledNodeLeaveEverywhereElseWithinTenSeconds() {
    String db = TestDatabase.create();
    Map<String, String> env = Map.of("HERALD_DB_URL", db, "HERALD_JWT_SECRET", TestNode.JWT_SECRET,
        "HERALD_API_KEYS", TestNode.API_KEY, "HERALD_GATEWAY_INSTANCES", "1");
    List<BridgeClient> clients = new ArrayList<>();
    try (TestNode survivor = TestNode.start(db, true); HeraldProcess doomed = HeraldProcess.start(env, "--cluster")) {
      BridgeClient watcher = track(clients, BridgeClient.connect(survivor.port, Tokens.user("watcher")));
      watcher.subscribe(ROOM);
      track(clients, BridgeClient.connect(survivor.port, Tokens.user("stays"))).subscribe(ROOM);
      Set<String> onDoomed = Set.of("ghost-1", "ghost-2", "ghost-3");
      for (String user : onDoomed) {
        track(clients, BridgeClient.connect(doomed.port, Tokens.user(user))).subscribe(ROOM);
      }
      Eventually.equal(() -> PresenceTest.members(snapshot(survivor)),
          List.of("ghost-1:1", "ghost-2:1", "ghost-3:1", "stays:1", "watcher:1"));

      for (String user : List.of("watcher", "stays", "ghost-1", "ghost-2", "ghost-3")) {
        PresenceTest.waitFor(watcher, ROOM, "presence.join", user); // take the joins seen so far
      }

      long killedAt = System.nanoTime();
      doomed.kill();
      Set<String> left = new HashSet<>();
      while (left.size() < onDoomed.size()) {
        JsonObject leave = watcher.ephemeral(ROOM, "presence.leave", AFTER_KILL);
        left.add(userId(leave));
      }
      long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(left).isEqualTo(onDoomed);
      assertThat(tookMs).as("leaves after SIGKILL took %d ms", tookMs).isLessThanOrEqualTo(AFTER_KILL.toMillis());
      assertThat(PresenceTest.members(snapshot(survivor))).containsExactly("stays:1", "watcher:1");

      // nothing else is lost: the survivor still stores and delivers
      assertThat(survivor.http.publish(ROOM, "message", "still here").status()).isEqualTo(201);
      assertThat(watcher.deliveries(ROOM, 1, AFTER_KILL).get(0).getString("data")).isEqualTo("still here");

      // the node comes back (a new process, a new node id): the ghosts do not come back with it
      try (HeraldProcess restarted = HeraldProcess.start(env, "--cluster");
          BridgeClient newcomer = track(clients, BridgeClient.connect(restarted.port, Tokens.user("newcomer")))) {
        newcomer.subscribe(ROOM);
        assertThat(PresenceTest.waitFor(watcher, ROOM, "presence.join", "newcomer")).isNotNull();
        Eventually.equal(() -> PresenceTest.members(snapshot(survivor)), List.of("newcomer:1", "stays:1", "watcher:1"));
        assertThat(PresenceTest.members(restarted.http.get("/api/v1/channels/" + ROOM + "/presence",
            "X-Api-Key", TestNode.API_KEY).json())).containsExactly("newcomer:1", "stays:1", "watcher:1");
        assertThat(watcher.takeEphemeral(ROOM, "presence.join")).isEmpty();
      }
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  static BridgeClient track(List<BridgeClient> clients, BridgeClient client) {
    clients.add(client);
    return client;
  }

  static JsonObject snapshot(TestNode node) {
    return node.http.get("/api/v1/channels/" + ROOM + "/presence", "X-Api-Key", TestNode.API_KEY).json();
  }
}
