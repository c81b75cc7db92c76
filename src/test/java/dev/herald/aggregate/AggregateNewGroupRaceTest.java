package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two nodes fold the same aggregate at once, over different channels (so no channel row orders
 * them), each event often opening a group nobody has counted yet: no count is lost. Before the
 * aggregate was locked as a whole, the second writer read its groups before the first committed a
 * new one, and its save wrote over that group's count.
 */
class AggregateNewGroupRaceTest {

  @Test
  void concurrentFoldsFromTwoNodesLoseNoCountOfANewGroup() throws Exception {
    String db = TestDatabase.create();
    JsonObject aggregates = new JsonObject().put("race", new JsonObject()
        .put("channels", new JsonArray().add("race:*"))
        .put("groupBy", "data.g")
        .put("fields", new JsonObject().put("n", "count()"))
        .put("channel", "agg:race"));
    JsonObject conf = new JsonObject().put("dbUrl", db).put("aggregates", aggregates);
    try (TestNode a = TestNode.start(conf); TestNode b = TestNode.start(conf)) {
      int writers = 8;
      int perWriter = 60;
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        TestNode via = w % 2 == 0 ? a : b;
        int writer = w;
        running.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < perWriter; i++) {
            // every group is new for the first writers that reach it, on either node
            JsonObject event = new JsonObject().put("type", "hit").put("data", new JsonObject().put("g", "g" + i));
            assertThat(via.http.post("/api/v1/channels/race:" + writer + "/events", event, "X-Api-Key", TestNode.API_KEY)
                .status()).isEqualTo(201);
          }
        }));
      }
      CompletableFuture.allOf(running.toArray(new CompletableFuture[0])).get();
      JsonObject totals = a.http.get("/api/v1/aggregates/race").json();
      assertThat(totals.getJsonObject("values").getLong("n")).isEqualTo((long) writers * perWriter);
      for (int i = 0; i < perWriter; i++) {
        JsonObject group = a.http.get("/api/v1/aggregates/race?group=g" + i).json();
        assertThat(group.getJsonObject("values").getLong("n")).as("group g" + i).isEqualTo(writers);
      }
    }
  }
}
