package dev.herald.documents;

import static dev.herald.documents.DocLists.admin;
import static dev.herald.documents.DocLists.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.ThreeNodeTest;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bills and their live queries on three real Hazelcast-clustered nodes sharing one PostgreSQL:
 * writes on one node, customers watching on the others. The read rule (admins, or the bill's
 * customer) decides what each live query may see, filter or none.
 */
class LiveQueryClusterTest extends ThreeNodeTest {

  private static Http onA() {
    return cluster.node(0).http;
  }

  private static String bills(String id) {
    return "/api/v1/collections/bills/docs/" + id;
  }

  @Test
  void aBillMovedToAnotherCustomerLeavesTheOldOnesViewForGoodAndEntersTheNewOnes() {
    try (BridgeClient xOnB = cluster.node(1).bridge(Tokens.user("xavier"));
        BridgeClient yOnC = cluster.node(2).bridge(Tokens.user("yolanda"))) {
      LiveView x = LiveView.open(xOnB, "live:bills:mine");
      LiveView y = LiveView.open(yOnC, "live:bills:mine", new JsonObject().put("orderBy", "amount"));

      Http.Response created = onA().put(bills("moved"),
          new JsonObject().put("customerId", "xavier").put("amount", 40).put("status", "open"), admin());
      assertThat(created.status()).isEqualTo(201);
      x.awaitRev("moved", 1);
      assertThat(last(x).getString("type")).isEqualTo("appear");

      Http.Response moved = onA().patch(bills("moved"), new JsonObject().put("customerId", "yolanda"), admin());
      assertThat(moved.status()).isEqualTo(200);
      assertThat(moved.json().getLong("_rev")).isEqualTo(2);

      x.awaitAbsent("moved");
      JsonObject gone = last(x);
      assertThat(gone.getString("type")).isEqualTo("disappear");
      assertThat(gone.getJsonObject("data")).as("the old version, the one xavier saw").isEqualTo(created.json());
      y.awaitRev("moved", 2);
      JsonObject arrived = last(y);
      assertThat(arrived.getString("type")).isEqualTo("appear");
      assertThat(arrived.getJsonObject("data")).isEqualTo(moved.json());

      // from now on the bill does not exist for xavier, on any node and by any read
      for (var node : cluster.nodes()) {
        Http.Response read = node.http.get(bills("moved"), customer("xavier"));
        assertThat(read.status()).as("xavier's GET on port %s: %s", node.port, read.body()).isEqualTo(404);
        assertThat(DocLists.list(node.http, "bills", null, customer("xavier"))).doesNotContainKey("moved");
      }
      LiveView fresh = LiveView.open(xOnB, "live:bills:fresh");
      assertThat(fresh.docs()).doesNotContainKey("moved");

      // its later changes reach yolanda only; a bill created for xavier after them is a fence:
      // once xavier has it, whatever would have come before it has come
      int seenByX = x.received.size();
      assertThat(onA().patch(bills("moved"), new JsonObject().put("amount", 99), admin()).status()).isEqualTo(200);
      assertThat(onA().put(bills("fence-x"), new JsonObject().put("customerId", "xavier").put("amount", 1), admin())
          .status()).isEqualTo(201);
      y.awaitRev("moved", 3);
      x.awaitRev("fence-x", 1);
      fresh.awaitRev("fence-x", 1);
      assertThat(x.received.subList(seenByX, x.received.size())).extracting(e -> e.getString("id")).containsExactly("fence-x");
      assertThat(fresh.received).extracting(e -> e.getString("id")).doesNotContain("moved");

      assertThat(x.docs()).isEqualTo(DocLists.list(onA(), "bills", null, customer("xavier")));
      assertThat(y.docs()).isEqualTo(DocLists.list(onA(), "bills", null, customer("yolanda")));
    }
  }

  @Test
  void aStaleIfMatchIsAConflictThatCarriesTheCurrentDocument() {
    Http.Response created = onA().put(bills("contested"), new JsonObject().put("customerId", "cora").put("amount", 5), admin());
    assertThat(created.status()).isEqualTo(201);
    Http.Response first = cluster.node(1).http.patch(bills("contested"), new JsonObject().put("amount", 6), adminIfMatch(1));
    assertThat(first.status()).isEqualTo(200);

    Http.Response stale = cluster.node(2).http.patch(bills("contested"), new JsonObject().put("amount", 7), adminIfMatch(1));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.json().getJsonObject("error").getString("code")).isNotBlank();
    assertThat(stale.json().getJsonObject("error").getString("message")).isNotBlank();
    assertThat(stale.json().getJsonObject("current")).isEqualTo(first.json());

    Http.Response staleReplace = onA().put(bills("contested"), new JsonObject().put("customerId", "cora").put("amount", 8),
        adminIfMatch(1));
    assertThat(staleReplace.status()).isEqualTo(409);
    assertThat(staleReplace.json().getJsonObject("current")).isEqualTo(first.json());
    assertThat(onA().get(bills("contested"), customer("cora")).json()).as("nothing changed").isEqualTo(first.json());
  }

  @Test
  void aCustomersLiveQueryWithoutFilterNeverGetsAnotherCustomersBill() {
    try (BridgeClient quinnOnB = cluster.node(1).bridge(Tokens.user("quinn"));
        BridgeClient ritaOnC = cluster.node(2).bridge(Tokens.user("rita"))) {
      LiveView quinn = LiveView.open(quinnOnB, "live:bills:all");
      LiveView rita = LiveView.open(ritaOnC, "live:bills:all");
      assertThat(quinn.docs().values()).allMatch(b -> "quinn".equals(b.getString("customerId")));
      assertThat(rita.docs().values()).allMatch(b -> "rita".equals(b.getString("customerId")));

      for (int i = 0; i < 20; i++) {
        String owner = i % 2 == 0 ? "quinn" : "rita";
        String id = "mixed-" + i;
        assertThat(cluster.node(i % 3).http.put(bills(id), new JsonObject().put("customerId", owner).put("amount", i),
            admin()).status()).isEqualTo(201);
        assertThat(cluster.node((i + 1) % 3).http.patch(bills(id), new JsonObject().put("status", "paid"), admin())
            .status()).isEqualTo(200);
      }
      assertThat(onA().delete(bills("mixed-0"), admin()).status()).isEqualTo(200);
      assertThat(onA().delete(bills("mixed-1"), admin()).status()).isEqualTo(200);
      // fences, one for each, written last
      onA().put(bills("fence-quinn"), new JsonObject().put("customerId", "quinn"), admin());
      onA().put(bills("fence-rita"), new JsonObject().put("customerId", "rita"), admin());
      quinn.awaitRev("fence-quinn", 1);
      rita.awaitRev("fence-rita", 1);

      for (LiveView view : List.of(quinn, rita)) {
        String who = view == quinn ? "quinn" : "rita";
        assertThat(view.received).as("%s's frames", who)
            .allSatisfy(e -> assertThat(e.getString("type").equals("query.snapshot")
                || who.equals(e.getJsonObject("data").getString("customerId"))).as("%s", e).isTrue());
      }
      assertThat(quinn.docs()).isEqualTo(DocLists.list(onA(), "bills", null, customer("quinn")));
      assertThat(rita.docs()).isEqualTo(DocLists.list(onA(), "bills", null, customer("rita")));
      assertThat(quinn.docs()).hasSize(10); // mixed-2, -4 ... -18 and its fence
    }
  }

  private static String[] adminIfMatch(long rev) {
    String[] admin = admin();
    return new String[] {admin[0], admin[1], "If-Match", Long.toString(rev)};
  }

  private static JsonObject last(LiveView view) {
    return view.received.get(view.received.size() - 1);
  }
}
