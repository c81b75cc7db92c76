package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.OneNodeTest;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The shipped aggregates over documents (billsByStatus, billsByCustomer, lowStock), written to over
 * REST: a create counts, an update moves a bill between groups, a delete takes it out, exactly; the
 * snapshots reach admins and nobody else. Each test uses statuses and customers of its own (the
 * totals row is shared, so it is checked by difference).
 */
class DocumentAggregateTest extends OneNodeTest {

  static final String BILLS = "/api/v1/collections/bills/docs/";
  static final String PRODUCTS = "/api/v1/collections/products/docs/";
  static final String ADMIN = "Bearer " + Tokens.user("ann", "admin");

  @Test
  void createUpdateMoveAndDeleteKeepEveryGroupExact() {
    JsonObject totalsBefore = read("billsByStatus").getJsonObject("values");
    assertThat(write("PUT", BILLS + "t1-a", "{\"status\":\"t1-open\",\"customerId\":\"t1-c1\",\"amount\":12345678901234567890.01}"))
        .isEqualTo(201);
    assertThat(write("PUT", BILLS + "t1-b", "{\"status\":\"t1-open\",\"customerId\":\"t1-c2\",\"amount\":0.1}")).isEqualTo(201);
    assertThat(write("PUT", BILLS + "t1-c", "{\"status\":\"t1-open\",\"customerId\":\"t1-c1\",\"amount\":0.2}")).isEqualTo(201);
    assertGroup("t1-open", "12345678901234567890.31", 3);
    assertCustomer("t1-c1", "12345678901234567890.21", 2);

    // an update that changes the status moves the bill; one that changes the amount moves the sum
    assertThat(write("PATCH", BILLS + "t1-a", "{\"status\":\"t1-paid\"}")).isEqualTo(200);
    assertGroup("t1-open", "0.3", 2);
    assertGroup("t1-paid", "12345678901234567890.01", 1);
    assertThat(write("PATCH", BILLS + "t1-c", "{\"amount\":-0.05,\"customerId\":\"t1-c2\"}")).isEqualTo(200);
    assertGroup("t1-open", "0.05", 2);
    assertCustomer("t1-c1", "12345678901234567890.01", 1);
    assertCustomer("t1-c2", "0.05", 2);

    // a delete takes the bill out; a group no bill is in any more is gone, as a recount would have it
    assertThat(write("DELETE", BILLS + "t1-b", null)).isEqualTo(200);
    assertThat(write("DELETE", BILLS + "t1-c", null)).isEqualTo(200);
    JsonObject byStatus = read("billsByStatus");
    assertThat(byStatus.getJsonObject("groups").containsKey("t1-open")).isFalse();
    assertCustomer("t1-c2", "0", 0);

    // the totals moved by exactly what is left: bill t1-a
    JsonObject totals = byStatus.getJsonObject("values");
    assertThat(totals.getLong("count") - totalsBefore.getLong("count")).isEqualTo(1);
    assertThat(number(totals, "total").subtract(number(totalsBefore, "total"))).isEqualByComparingTo("12345678901234567890.01");
    assertThat(totals.containsKey(FieldArithmetic.MEMBERS)).isFalse(); // the member count is Herald's, never shown

    // a recount of the documents finds the same values
    Http.Response recounted = node.http.post("/api/v1/aggregates/billsByStatus/recompute", "{}", "X-Api-Key", TestNode.API_KEY);
    assertThat(recounted.status()).isEqualTo(200);
    JsonObject after = ExactJson.object(recounted.body());
    assertThat(after.getJsonObject("values")).isEqualTo(totals);
    assertThat(after.getJsonObject("groups")).isEqualTo(byStatus.getJsonObject("groups"));
    assertThat(after.getLong("version")).isGreaterThan(byStatus.getLong("version"));
  }

  @Test
  void aBillWhoseAmountTheAggregateCannotKeepIsRefusedAndNothingChanges() {
    JsonObject before = read("billsByStatus");
    Http.Response refused = node.http.put(BILLS + "t2-huge", "{\"status\":\"t2\",\"amount\":1e301}", "X-Api-Key", TestNode.API_KEY);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.errorCode()).isEqualTo("invalid_document");
    assertThat(refused.json().getJsonObject("error").getString("message")).contains("doc.amount", "aggregate billsBy");
    assertThat(node.http.get(BILLS + "t2-huge", "X-Api-Key", TestNode.API_KEY).status()).isEqualTo(404);
    assertThat(read("billsByStatus").getJsonObject("values")).isEqualTo(before.getJsonObject("values"));
  }

  @Test
  void lowStockCountsProductsBelowTheirThresholdAsTheyChange() {
    long base = read("lowStock").getJsonObject("values").getLong("count");
    assertThat(write("PUT", PRODUCTS + "t3-p1", "{\"stock\":2,\"threshold\":5}")).isEqualTo(201);
    assertThat(write("PUT", PRODUCTS + "t3-p2", "{\"stock\":3,\"threshold\":2.5}")).isEqualTo(201);
    assertThat(write("PUT", PRODUCTS + "t3-p3", "{\"stock\":1}")).isEqualTo(201); // no threshold: not counted
    assertThat(lowStock() - base).isEqualTo(1);
    assertThat(write("PATCH", PRODUCTS + "t3-p2", "{\"stock\":2}")).isEqualTo(200); // 2 < 2.5: now low
    assertThat(lowStock() - base).isEqualTo(2);
    assertThat(write("PATCH", PRODUCTS + "t3-p1", "{\"stock\":50}")).isEqualTo(200); // restocked
    assertThat(lowStock() - base).isEqualTo(1);
    assertThat(write("DELETE", PRODUCTS + "t3-p2", null)).isEqualTo(200);
    assertThat(lowStock() - base).isZero();
  }

  @Test
  void snapshotsGoToAdminsOnlyOverTheBridgeAndRest() {
    try (BridgeClient admin = node.bridge(Tokens.user("ann", "admin"));
        BridgeClient customer = node.bridge(Tokens.user("t4-alice"));
        BridgeClient anonymous = node.bridge()) {
      admin.subscribe("stats:billsByStatus");
      admin.subscribe("stats:billsByCustomer:t4-alice");
      AggregateTest.snapshot(admin, "stats:billsByStatus"); // the current one, on subscribe
      assertThat(write("PUT", BILLS + "t4-a", "{\"status\":\"t4-open\",\"customerId\":\"t4-alice\",\"amount\":7.5}")).isEqualTo(201);
      JsonObject rest = read("billsByStatus");
      JsonObject live = AggregateTest.lastSnapshot(admin, "stats:billsByStatus", rest.getLong("version"));
      assertThat(live.getJsonObject("groups").getJsonObject("t4-open").getDouble("total")).isEqualTo(7.5);
      assertThat(live.containsKey("lastEvent")).isFalse(); // the change log's documents are not the snapshot's to show
      JsonObject mine = AggregateTest.snapshot(admin, "stats:billsByCustomer:t4-alice");
      while (mine.getJsonObject("values").getLong("count") == 0) {
        mine = AggregateTest.snapshot(admin, "stats:billsByCustomer:t4-alice");
      }
      assertThat(mine.getString("group")).isEqualTo("t4-alice");
      assertThat(mine.getJsonObject("values")).isEqualTo(new JsonObject().put("total", 7.5).put("count", 1));

      // the customer whose bill it is may read the bill, not the totals
      assertThat(node.http.get(BILLS + "t4-a", "Authorization", "Bearer " + Tokens.user("t4-alice")).status()).isEqualTo(200);
      customer.register("stats:billsByStatus");
      assertThat(customer.nextErr().getInteger("failureCode")).isEqualTo(403);
      customer.register("stats:billsByCustomer:t4-alice");
      assertThat(customer.nextErr().getInteger("failureCode")).isEqualTo(403);
      anonymous.register("stats:billsByStatus");
      assertThat(anonymous.nextErr().getInteger("failureCode")).isEqualTo(401);
      assertThat(node.http.get("/api/v1/aggregates/billsByStatus", "Authorization", "Bearer " + Tokens.user("t4-alice")).status())
          .isEqualTo(403);
      assertThat(node.http.get("/api/v1/aggregates/billsByCustomer?group=t4-alice", "Authorization",
          "Bearer " + Tokens.user("t4-alice")).status()).isEqualTo(403);
      assertThat(node.http.get("/api/v1/aggregates/billsByStatus").status()).isEqualTo(401);
      assertThat(node.http.get("/api/v1/aggregates/billsByStatus", "Authorization", ADMIN).status()).isEqualTo(200);
      assertThat(customer.takeEphemeral("stats:billsByStatus", "aggregate.snapshot")).isEmpty();
    }
  }

  /** A write as an API key; its status. */
  static int write(String method, String path, String body) {
    Http.Response r = method.equals("DELETE") ? node.http.delete(path, "X-Api-Key", TestNode.API_KEY)
        : node.http.send(method, path, body, "X-Api-Key", TestNode.API_KEY);
    return r.status();
  }

  /** The aggregate's current snapshot over REST, its numbers exact. */
  static JsonObject read(String nameAndQuery) {
    return read(node.http, nameAndQuery);
  }

  static JsonObject read(Http http, String nameAndQuery) {
    Http.Response r = http.get("/api/v1/aggregates/" + nameAndQuery, "X-Api-Key", TestNode.API_KEY);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ExactJson.object(r.body());
  }

  static BigDecimal number(JsonObject values, String field) {
    return Decimal.of(values.getValue(field));
  }

  private static void assertGroup(String status, String total, long count) {
    JsonObject group = read("billsByStatus").getJsonObject("groups").getJsonObject(status);
    assertThat(number(group, "total")).as(status).isEqualByComparingTo(total);
    assertThat(group.getLong("count")).as(status).isEqualTo(count);
  }

  private static void assertCustomer(String customer, String total, long count) {
    JsonObject values = read("billsByCustomer?group=" + customer).getJsonObject("values");
    assertThat(number(values, "total")).as(customer).isEqualByComparingTo(total);
    assertThat(values.getLong("count")).as(customer).isEqualTo(count);
  }

  private static long lowStock() {
    return read("lowStock").getJsonObject("values").getLong("count");
  }
}
