package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Timeouts;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node that dies between its commit and its broadcast: what it committed is in the journal, but
 * no other node was told. When Hazelcast reports the node gone, every survivor reads the heads of
 * its channels again, so subscribers (and live queries) get it without waiting for the next event.
 * The lost commit is written here behind Herald's back, as the dead node left it.
 */
class LostBroadcastTest {

  @Test
  void whatADeadNodeCommittedButNeverSentReachesSubscribersOnceItIsGone() throws Exception {
    String db = TestDatabase.create();
    List<TestNode> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(TestNode.start(db, true));
      }
      TestNode survivor = nodes.get(1);
      try (BridgeClient onB = survivor.bridge(Tokens.user("watcher"))) {
        onB.subscribe("market:lost");
        onB.subscribe("live:products:lost", new JsonObject().put("filter", "doc.lost == true"));
        onB.event("live:products:lost", b -> "query.snapshot".equals(b.getString("type")));
        // past the feeds' own settle checks after they opened: from here only an event, or a node
        // leaving, makes a feed read its head again
        Thread.sleep(6_000);
        try (Connection sql = TestDatabase.connect(db)) {
          commitBehindHeraldsBack(sql, "market:lost", "lost-1", "listing.created", "{\"n\":1}");
          JsonObject doc = new JsonObject().put("_id", "lost-doc").put("_rev", 1)
              .put("_updatedAt", "2026-12-03T00:00:00.000Z").put("lost", true);
          try (PreparedStatement row = sql.prepareStatement(
              "INSERT INTO documents (collection, id, rev, body) VALUES ('products', 'lost-doc', 1, ?::jsonb)")) {
            row.setString(1, doc.encode());
            row.executeUpdate();
          }
          commitBehindHeraldsBack(sql, "doclog:products", "lost-doc@1", "change",
              new JsonObject().put("id", "lost-doc").put("before", (Object) null).put("after", doc).encode());
        }
        Thread.sleep(1_000);
        assertThat(onB.pending()).as("nothing tells the survivor of the lost commit yet").noneMatch(
            f -> f.encode().contains("lost-1") || f.encode().contains("\"appear\""));

        nodes.remove(2).close(); // the node that "committed" leaves the cluster

        assertThat(onB.deliveries("market:lost", 1, Timeouts.SETTLE).get(0).getString("id")).isEqualTo("lost-1");
        JsonObject appear = onB.event("live:products:lost", b -> "appear".equals(b.getString("type")));
        assertThat(appear.getString("id")).isEqualTo("lost-doc");
      }
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  /** What an append leaves in the journal: the channel's head bumped and the event stored under it. */
  private static void commitBehindHeraldsBack(Connection sql, String channel, String id, String type, String data)
      throws Exception {
    long seq;
    try (PreparedStatement head = sql.prepareStatement("INSERT INTO channels (name, namespace, last_seq) VALUES (?, ?, 1) "
        + "ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + 1 RETURNING last_seq")) {
      head.setString(1, channel);
      head.setString(2, channel.substring(0, channel.indexOf(':')));
      try (ResultSet r = head.executeQuery()) {
        r.next();
        seq = r.getLong(1);
      }
    }
    try (PreparedStatement event = sql.prepareStatement("INSERT INTO events (channel, seq, id, client_id, type, data, ts) "
        + "VALUES (?, ?, ?, false, ?, ?::json, now())")) {
      event.setString(1, channel);
      event.setLong(2, seq);
      event.setString(3, id);
      event.setString(4, type);
      event.setString(5, data);
      event.executeUpdate();
    }
  }
}
