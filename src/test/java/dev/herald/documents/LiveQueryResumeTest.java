package dev.herald.documents;

import static dev.herald.documents.DocLists.admin;
import static dev.herald.documents.DocLists.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A live query registered again with {@code since} (its last seq) gets the changes after it that
 * concern it, and no snapshot; when retention trimmed the change log past it, a snapshot with
 * {@code reset: true} instead. Either way it then goes on live.
 */
class LiveQueryResumeTest extends OneNodeTest {

  private static String bills(String id) {
    return "/api/v1/collections/bills/docs/" + id;
  }

  private static void write(Http http, String method, String id, JsonObject body) {
    Http.Response r = switch (method) {
      case "PUT" -> http.put(bills(id), body, admin());
      case "PATCH" -> http.patch(bills(id), body, admin());
      default -> http.delete(bills(id), admin());
    };
    assertThat(r.status()).as("%s %s: %s", method, id, r.body()).isIn(200, 201);
  }

  private static JsonObject bill(String customerId, int amount) {
    return new JsonObject().put("customerId", customerId).put("amount", amount);
  }

  @Test
  void aResumeGetsOnlyTheChangesAfterItsSeqThenLiveOnes() {
    Http http = node.http;
    try (BridgeClient rhea = node.bridge(Tokens.user("rhea"))) {
      LiveView view = LiveView.open(rhea, "live:bills:mine");
      write(http, "PUT", "r1", bill("rhea", 1));
      write(http, "PUT", "r2", bill("rhea", 2));
      view.awaitRev("r2", 1);
      long before = view.seq;
      view.unregister();

      write(http, "PATCH", "r1", new JsonObject().put("amount", 10));
      write(http, "PUT", "r3", bill("rhea", 3));
      write(http, "PUT", "o1", bill("otto", 4)); // not rhea's: nothing for her
      write(http, "PATCH", "r2", new JsonObject().put("customerId", "otto"));
      write(http, "DELETE", "r1", null);

      int seen = view.received.size();
      view.resume();
      view.awaitAbsent("r1");
      List<JsonObject> resumed = view.received.subList(seen, view.received.size());
      assertThat(resumed).extracting(e -> e.getString("type") + " " + e.getString("id"))
          .containsExactly("update r1", "appear r3", "disappear r2", "disappear r1");
      assertThat(resumed.get(0).getLong("seq")).isGreaterThan(before);
      assertThat(view.docs()).isEqualTo(DocLists.list(http, "bills", null, customer("rhea")));

      // it is live again
      write(http, "PUT", "r4", bill("rhea", 5));
      view.awaitRev("r4", 1);

      // a resume from where it is now gets nothing until the next change
      view.unregister();
      seen = view.received.size();
      view.resume();
      write(http, "PATCH", "r3", new JsonObject().put("amount", 30));
      view.awaitRev("r3", 2);
      assertThat(view.received.subList(seen, view.received.size())).extracting(e -> e.getString("type"))
          .containsExactly("update");
      assertThat(view.docs()).isEqualTo(DocLists.list(http, "bills", null, customer("rhea")));
    }
  }

  @Test
  void aResumeFromChangesRetentionTrimmedGetsAResetSnapshotThenLiveOnes() {
    JsonObject tinyLog = new JsonObject().put("dbUrl", TestDatabase.create()).put("namespaces", new JsonObject()
        .put("doclog", new JsonObject().put("history", new JsonObject().put("maxEvents", 5))));
    try (TestNode small = TestNode.start(tinyLog); BridgeClient rhea = small.bridge(Tokens.user("rhea"))) {
      Http http = small.http;
      LiveView view = LiveView.open(rhea, "live:bills:mine");
      write(http, "PUT", "t0", bill("rhea", 0));
      view.awaitRev("t0", 1);
      view.unregister();

      for (int i = 1; i <= 10; i++) {
        write(http, "PUT", "t" + i, bill(i % 2 == 0 ? "rhea" : "otto", i));
      }
      write(http, "DELETE", "t0", null);
      small.herald.trimHistory().await();

      int seen = view.received.size();
      view.resume();
      view.awaitRev("t10", 1);
      JsonObject reset = view.received.get(seen);
      assertThat(reset.getString("type")).isEqualTo("query.snapshot");
      assertThat(reset.getJsonObject("data").getBoolean("reset")).isTrue();
      assertThat(view.docs()).isEqualTo(DocLists.list(http, "bills", null, customer("rhea")))
          .containsOnlyKeys("t2", "t4", "t6", "t8", "t10");

      write(http, "PATCH", "t2", new JsonObject().put("amount", 20));
      view.awaitRev("t2", 2);
      assertThat(view.received.subList(seen + 1, view.received.size())).extracting(e -> e.getString("type"))
          .containsExactly("update");
    }
  }
}
