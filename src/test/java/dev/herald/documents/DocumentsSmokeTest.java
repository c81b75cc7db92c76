package dev.herald.documents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class DocumentsSmokeTest extends OneNodeTest {

  @Test
  void liveQuerySeesABillAppearUpdateAndDisappear() {
    String admin = "Bearer " + Tokens.user("admin1", "admin");
    Http http = node.http;
    try (BridgeClient alice = node.bridge(Tokens.user("alice"))) {
      alice.subscribe("live:bills:mine");
      JsonObject snap = alice.event("live:bills:mine", b -> "query.snapshot".equals(b.getString("type")));
      System.out.println(snap.encode());
      Http.Response created = http.put("/api/v1/collections/bills/docs/b1",
          new JsonObject().put("customerId", "alice").put("amount", 10.5), "Authorization", admin);
      System.out.println(created);
      assertEquals(201, created.status());
      JsonObject appear = alice.event("live:bills:mine", b -> "appear".equals(b.getString("type")));
      System.out.println(appear.encode());
      Http.Response moved = http.patch("/api/v1/collections/bills/docs/b1",
          new JsonObject().put("customerId", "bob"), "Authorization", admin, "If-Match", "1");
      System.out.println(moved);
      JsonObject gone = alice.event("live:bills:mine", b -> "disappear".equals(b.getString("type")));
      System.out.println(gone.encode());
      System.out.println(http.get("/api/v1/collections/bills/docs/b1", "Authorization", "Bearer " + Tokens.user("alice")));
      System.out.println(http.get("/api/v1/collections/bills/docs", "Authorization", admin));
      System.out.println(http.put("/api/v1/collections/bills/docs/b1", new JsonObject(), "Authorization", admin, "If-Match", "1"));
    }
  }
}
