package dev.herald.documents;

import static dev.herald.documents.DocLists.admin;
import static dev.herald.documents.DocLists.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.BridgeClient;
import dev.herald.testing.Http;
import dev.herald.testing.TestCluster;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random creates, updates, deletes, re-assignments and small transactions of bills, each issued on
 * a random node of three, watched by live queries of customers and admins, with and without
 * filters, on every node: after the writes, each query holds exactly what a fresh REST list gives
 * the same caller with the same filter, and every frame it got on the way was a consistent step
 * (see {@link LiveView}).
 */
class LiveQueryPropertyTest {

  static final int BILLS = 30;
  static final List<String> CUSTOMERS = List.of("c0", "c1", "c2", "c3"); // c3 is watched by admins only

  private static TestCluster cluster;
  private static final AtomicInteger runs = new AtomicInteger();

  @BeforeContainer
  static void start() {
    cluster = TestCluster.start(3);
    cluster.awaitMembers();
  }

  @AfterContainer
  static void stop() {
    cluster.close();
  }

  enum Kind { PUT, PATCH_AMOUNT, PATCH_STATUS, MOVE, DELETE, TRANSACTION }

  /** One write: of bill {@code bill} (and {@code other}, in a transaction), sent to node {@code node}. */
  record Op(Kind kind, int bill, int other, int customer, boolean paid, Number amount, int node) {
  }

  /** A live query to hold: whose, on which node, its filter (null: none), and the customer whose fence it waits for. */
  record Watcher(String sub, boolean admin, int node, String filter, String fenceOf) {
    String[] auth() {
      return admin ? DocLists.admin() : customer(sub);
    }
  }

  static final List<Watcher> WATCHERS = List.of(
      new Watcher("c0", false, 0, null, "c0"),
      new Watcher("c1", false, 1, "doc.status == \"paid\"", "c1"),
      new Watcher("c2", false, 2, "doc.amount >= 50", "c2"),
      new Watcher("c0", false, 2, "doc.status == \"paid\" && doc.amount >= 50", "c0"),
      new Watcher("c1", false, 0, "doc.customerId == auth.sub", "c1"),
      new Watcher("ann", true, 1, null, "c2"),
      new Watcher("ann", true, 0, "doc.customerId == \"c1\"", "c1"),
      new Watcher("ann", true, 2, "doc.amount >= 50", "c2"));

  @Property(tries = 4, edgeCases = EdgeCasesMode.NONE)
  void everyLiveQueryEndsEqualToAFreshListForItsCallerAndFilter(@ForAll("writes") List<Op> ops) {
    String run = "run" + runs.incrementAndGet() + "-";
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      List<LiveView> views = new ArrayList<>();
      for (int i = 0; i < WATCHERS.size(); i++) {
        Watcher w = WATCHERS.get(i);
        BridgeClient socket = cluster.node(w.node()).bridge(w.admin() ? Tokens.user(w.sub(), "admin") : Tokens.user(w.sub()));
        sockets.add(socket);
        JsonObject headers = new JsonObject().put("limit", 10_000);
        if (w.filter() != null) {
          headers.put("filter", w.filter());
        }
        views.add(LiveView.open(socket, "live:bills:" + run + i, headers));
      }

      Set<String> present = new HashSet<>();
      for (Op op : ops) {
        apply(run, op, present);
      }
      // fences, written last and in this order; a query that has its fence has every change before it
      Http onA = cluster.node(0).http;
      for (String c : List.of("c0", "c1", "c2")) {
        JsonObject fence = new JsonObject().put("customerId", c).put("status", "paid").put("amount", 100);
        assertThat(onA.put(path(run + "fence-" + c), fence, admin()).status()).isEqualTo(201);
      }
      for (int i = 0; i < WATCHERS.size(); i++) {
        Watcher w = WATCHERS.get(i);
        LiveView view = views.get(i);
        view.awaitRev(run + "fence-" + w.fenceOf(), 1);
        view.foldArrived();
        assertThat(view.docs()).as("%s after %s writes", w, ops.size())
            .isEqualTo(DocLists.list(cluster.node((w.node() + 1) % 3).http, "bills", w.filter(), w.auth()));
      }
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }

  private static void apply(String run, Op op, Set<String> present) {
    Http http = cluster.node(op.node()).http;
    String id = run + "b" + op.bill();
    JsonObject bill = new JsonObject().put("customerId", CUSTOMERS.get(op.customer()))
        .put("status", op.paid() ? "paid" : "open").put("amount", op.amount());
    Http.Response r = switch (op.kind()) {
      case PUT -> http.put(path(id), bill, admin());
      case PATCH_AMOUNT -> http.patch(path(id), new JsonObject().put("amount", op.amount()), admin());
      case PATCH_STATUS -> http.patch(path(id), new JsonObject().put("status", bill.getString("status")), admin());
      case MOVE -> http.patch(path(id), new JsonObject().put("customerId", bill.getString("customerId")), admin());
      case DELETE -> http.delete(path(id), admin());
      case TRANSACTION -> http.post("/api/v1/docs/transaction", new JsonObject().put("writes", new JsonArray()
          .add(new JsonObject().put("op", "put").put("collection", "bills").put("id", id).put("doc", bill))
          .add(new JsonObject().put("op", "put").put("collection", "bills").put("id", run + "b" + op.other())
              .put("doc", bill.copy().put("amount", op.amount() instanceof Integer a ? 100 - a : 100.5 - op.amount().doubleValue())))), admin());
    };
    int expected = switch (op.kind()) {
      case PUT -> present.add(id) ? 201 : 200;
      case TRANSACTION -> {
        present.add(id);
        present.add(run + "b" + op.other());
        yield 200;
      }
      case DELETE -> present.remove(id) ? 200 : 404;
      default -> present.contains(id) ? 200 : 404;
    };
    assertThat(r.status()).as("%s: %s", op, r.body()).isEqualTo(expected);
  }

  private static String path(String id) {
    return "/api/v1/collections/bills/docs/" + id;
  }

  @Provide
  Arbitrary<List<Op>> writes() {
    // whole amounts mostly, some halves: both kinds of JSON number go through filters and storage
    Arbitrary<Number> amounts = Arbitraries.oneOf(Arbitraries.integers().between(0, 100).map(a -> (Number) a),
        Arbitraries.integers().between(0, 99).map(a -> (Number) (a + 0.5)));
    Arbitrary<Op> op = Combinators.combine(
        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, BILLS - 1), Arbitraries.integers().between(0, BILLS - 1),
        Arbitraries.integers().between(0, CUSTOMERS.size() - 1), Arbitraries.of(true, false), amounts,
        Arbitraries.integers().between(0, 2)).as(Op::new);
    return op.list().ofMinSize(100).ofMaxSize(500);
  }
}
