package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random creates, replaces, patches (moving bills between statuses and customers, removing fields)
 * and deletes of bills and products over REST: after every write, each shipped aggregate over them
 * equals a recount the test makes from the documents it knows, exactly (decimal sums included), and
 * a group no document is in any more is gone.
 */
class DocumentAggregatePropertyTest {

  private static TestNode node;
  /** The documents as the test knows them, per collection and id: what the node answered for each write. */
  private static final Map<String, Map<String, JsonObject>> DOCS = Map.of("bills", new HashMap<>(), "products", new HashMap<>());
  private static final List<String> CUSTOMERS = List.of("c1", "c2", "c3");

  @BeforeContainer
  static void start() {
    node = TestNode.start(TestDatabase.create(), false);
  }

  @AfterContainer
  static void stop() {
    node.close();
  }

  enum Kind { PUT, PATCH, DELETE }

  /** A write: on which collection and id, and the body's fields (JSON text; "null" removes the field in a patch). */
  record Op(Kind kind, String collection, String id, Map<String, String> fields) {
    String body() {
      StringBuilder b = new StringBuilder("{");
      fields.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
      return b.append('}').toString();
    }
  }

  @Property(tries = 5)
  void everyAggregateEqualsARecountAfterEveryWrite(@ForAll("ops") List<Op> ops) {
    for (Op op : ops) {
      apply(op);
      assertThat(byStatus()).as("billsByStatus after %s", op).isEqualTo(expectedByStatus());
      for (String customer : CUSTOMERS) {
        assertThat(byCustomer(customer)).as("billsByCustomer %s after %s", customer, op).isEqualTo(expectedByCustomer(customer));
      }
      assertThat(DocumentAggregateTest.read(node.http, "lowStock").getJsonObject("values").getLong("count")).as("lowStock after %s", op)
          .isEqualTo(expectedLowStock());
    }
  }

  /** Sends the write and applies what the node answered to the known documents. */
  private static void apply(Op op) {
    String path = "/api/v1/collections/" + op.collection() + "/docs/" + op.id();
    Map<String, JsonObject> docs = DOCS.get(op.collection());
    Http.Response r = switch (op.kind()) {
      case DELETE -> node.http.delete(path, "X-Api-Key", TestNode.API_KEY);
      case PUT -> node.http.put(path, op.body(), "X-Api-Key", TestNode.API_KEY);
      case PATCH -> node.http.patch(path, op.body(), "X-Api-Key", TestNode.API_KEY);
    };
    boolean existed = docs.containsKey(op.id());
    if (!existed && op.kind() != Kind.PUT) {
      assertThat(r.status()).as("%s of an absent document", op).isEqualTo(404);
      return;
    }
    assertThat(r.status()).as("%s: %s", op, r.body()).isEqualTo(existed || op.kind() != Kind.PUT ? 200 : 201);
    if (op.kind() == Kind.DELETE) {
      docs.remove(op.id());
    } else {
      docs.put(op.id(), ExactJson.object(r.body())); // the stored document as answered, numbers exact
    }
  }

  /** {status: {total, count}} and the totals, as the node has them. */
  private static Map<String, Object> byStatus() {
    JsonObject s = DocumentAggregateTest.read(node.http, "billsByStatus");
    Map<String, Object> out = new TreeMap<>();
    out.put("", counted(s.getJsonObject("values")));
    s.getJsonObject("groups").forEach(e -> out.put(e.getKey(), counted((JsonObject) e.getValue())));
    return out;
  }

  private static Map<String, Object> expectedByStatus() {
    Map<String, Object> out = new TreeMap<>();
    out.put("", recount(b -> true));
    DOCS.get("bills").values().stream().map(DocumentAggregatePropertyTest::status).filter(s -> s != null).distinct()
        .forEach(s -> out.put(s, recount(b -> s.equals(status(b)))));
    return out;
  }

  /** The group groupBy doc.status puts a bill in: its status as text (7 is "7"), none when absent or null. */
  private static String status(JsonObject bill) {
    Object s = bill.getValue("status");
    return s instanceof String || s instanceof Long ? String.valueOf(s) : null;
  }

  private static List<Object> byCustomer(String customer) {
    return counted(DocumentAggregateTest.read(node.http, "billsByCustomer?group=" + customer).getJsonObject("values"));
  }

  private static List<Object> expectedByCustomer(String customer) {
    return recount(b -> customer.equals(b.getValue("customerId")));
  }

  /** [total, count] of the bills that pass: every bill counts, a bill with a numeric amount adds it. */
  private static List<Object> recount(java.util.function.Predicate<JsonObject> in) {
    BigDecimal total = BigDecimal.ZERO;
    long count = 0;
    for (JsonObject b : DOCS.get("bills").values()) {
      if (in.test(b)) {
        count++;
        BigDecimal amount = Decimal.of(b.getValue("amount"));
        total = amount == null ? total : total.add(amount);
      }
    }
    return List.of(total.stripTrailingZeros(), count);
  }

  private static List<Object> counted(JsonObject values) {
    return List.of(DocumentAggregateTest.number(values, "total").stripTrailingZeros(), values.getLong("count"));
  }

  private static long expectedLowStock() {
    return DOCS.get("products").values().stream().filter(p -> {
      BigDecimal stock = Decimal.of(p.getValue("stock"));
      BigDecimal threshold = Decimal.of(p.getValue("threshold"));
      return stock != null && threshold != null && stock.compareTo(threshold) < 0;
    }).count();
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<String> amounts = Arbitraries.oneOf(
        Arbitraries.bigDecimals().between(new BigDecimal("-1000000"), new BigDecimal("1000000")).ofScale(3)
            .map(BigDecimal::toPlainString),
        Arbitraries.of("12345678901234567890.01", "0.1", "0.2", "1e3", "-0.000000001", "\"12\"", "null"));
    Arbitrary<String> statuses = Arbitraries.of("\"open\"", "\"paid\"", "\"void\"", "7", "null");
    Arbitrary<String> customers = Arbitraries.oneOf(Arbitraries.of(CUSTOMERS).map(c -> "\"" + c + "\""), Arbitraries.just("null"));
    Arbitrary<String> stock = Arbitraries.oneOf(Arbitraries.integers().between(0, 10).map(String::valueOf),
        Arbitraries.of("2.5", "0.5", "null"));
    Arbitrary<Map<String, String>> bill = Combinators.combine(
        statuses.optional(), customers.optional(), amounts.optional()).as((s, c, a) -> {
          Map<String, String> f = new TreeMap<>();
          s.ifPresent(v -> f.put("status", v));
          c.ifPresent(v -> f.put("customerId", v));
          a.ifPresent(v -> f.put("amount", v));
          return f;
        });
    Arbitrary<Map<String, String>> product = Combinators.combine(stock.optional(), stock.optional()).as((s, t) -> {
      Map<String, String> f = new TreeMap<>();
      s.ifPresent(v -> f.put("stock", v));
      t.ifPresent(v -> f.put("threshold", v));
      return f;
    });
    Arbitrary<Op> op = Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.of("bills", "bills", "products"),
        Arbitraries.integers().between(0, 7), bill, product).as((kind, collection, n, b, p) -> {
          Map<String, String> fields = collection.equals("bills") ? b : p;
          if (kind == Kind.PUT) {
            fields.values().removeIf("null"::equals); // a put stores what it is given: null is a value, not a removal
          }
          return new Op(kind, collection, collection.substring(0, 1) + n, fields);
        });
    return op.list().ofSize(100);
  }
}
