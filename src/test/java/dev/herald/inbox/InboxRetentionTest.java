package dev.herald.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Retention trims each inbox to its newest notifications and drops old ones, and the unread count
 * (kept as counters) still equals what the inbox shows: nothing it took away stays counted.
 */
class InboxRetentionTest {

  @Test
  void trimmingKeepsTheNewestAndTheUnreadCountTrue() throws Exception {
    String db = TestDatabase.create();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(db)).using(vertx).build();
    try (TestNode node = TestNode.start(db, false)) {
      String uma = Tokens.user("uma", "ops");
      for (int i = 1; i <= 6; i++) {
        send(node, new JsonObject().put("userId", "uma"), "uma-" + i);
        send(node, new JsonObject().put("role", "ops"), "ops-" + i);
      }
      for (String id : new String[] {"uma-1", "uma-5", "ops-2", "ops-6"}) {
        assertThat(node.http.post("/api/v1/me/notifications/" + id + "/read", "{}", "Authorization", "Bearer " + uma).status())
            .isEqualTo(200);
      }
      assertThat(inbox(node, uma).getInteger("unreadCount")).isEqualTo(8);

      new InboxStore().trim(pool, 3, Instant.now().minusSeconds(3600)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      JsonObject after = inbox(node, uma);
      assertThat(after.getJsonArray("notifications").stream().map(n -> ((JsonObject) n).getString("id")).toList())
          .containsExactlyInAnyOrder("uma-6", "uma-5", "uma-4", "ops-6", "ops-5", "ops-4");
      assertThat(after.getInteger("unreadCount")).as("uma-4, uma-6, ops-4, ops-5: the trimmed ones no longer count").isEqualTo(4);

      new InboxStore().trim(pool, 3, Instant.now().plusSeconds(60)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      JsonObject none = inbox(node, uma);
      assertThat(none.getJsonArray("notifications")).isEmpty();
      assertThat(none.getInteger("unreadCount")).isZero();
      send(node, new JsonObject().put("role", "ops"), "ops-7");
      assertThat(inbox(node, uma).getInteger("unreadCount")).as("counting goes on from there").isEqualTo(1);
    } finally {
      pool.close();
      vertx.close();
    }
  }

  static void send(TestNode node, JsonObject to, String id) {
    Http.Response r = node.http.post("/api/v1/notifications", new JsonObject().put("to", to).put("id", id).put("type", "t")
        .put("title", id), "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  static JsonObject inbox(TestNode node, String token) {
    return node.http.get("/api/v1/me/notifications", "Authorization", "Bearer " + token).json();
  }
}
