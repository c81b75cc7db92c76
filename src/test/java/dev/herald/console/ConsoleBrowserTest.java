package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.herald.testing.NodeScript;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The console as a newcomer meets it: a node with no configuration (development mode), its pages in
 * Debian's Chromium driven by src/test/browser/console.mjs (playwright-core), one scenario each.
 * Screenshots of every page land in target/console-screenshots.
 */
@Tag("browser")
class ConsoleBrowserTest {

  static final Path BASE_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  static final Path BROWSER_DIR = BASE_DIR.resolve("src/test/browser");
  static final Path SHOTS = BASE_DIR.resolve("target/console-screenshots");

  static Path dataDir;
  static String dbUrl;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    install();
    if (Files.isDirectory(SHOTS)) { // this run's pictures only
      try (var old = Files.list(SHOTS)) {
        for (Path f : old.toList()) {
          Files.delete(f);
        }
      }
    }
    dataDir = Files.createTempDirectory("herald-console");
    dbUrl = TestDatabase.create();
    node = startNode(0);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** As `java -jar herald.jar` with no configuration: no keys, so development mode. */
  static TestNode startNode(int port) {
    JsonObject config = new JsonObject().put("dbUrl", dbUrl).put("dataDir", dataDir.toString())
        .put("jwt", new JsonObject().put("secret", "")).put("apiKeys", "")
        .put("aggregates", new JsonObject().put("sales", new JsonObject().put("goal", new JsonObject().put("target", 30)))); // sold out soon
    if (port != 0) {
      config.put("port", port);
    }
    return TestNode.start(config);
  }

  @Test
  void theLandingPageShowsTheNodeAndTheScenariosAndFollowsARestart() throws Exception {
    try (NodeScript page = scenario("landing")) {
      restartWhenAsked(page);
      page.tell("restarted");
      JsonObject result = result(page);
      assertThat(result.getJsonArray("links").getList()).containsExactly("/console/token-sale", "/console/marketplace",
          "/console/chat", "/console/inventory", "/console/invoices");
    }
  }

  @Test
  void tokenSaleBuyersSeeEachOthersPurchasesLiveThroughPollingAndARestartUntilSoldOut() throws Exception {
    try (NodeScript page = scenario("tokenSale")) {
      restartWhenAsked(page);
      // published while the pages are still away: they must show it once back
      JsonObject purchase = new JsonObject().put("purchaseId", "away-1").put("batchCount", 2).put("buyer", "while-you-were-away");
      assertThat(node.http.post("/api/v1/channels/sales/events", new JsonObject().put("type", "purchase.completed").put("data", purchase),
          "X-Api-Key", devApiKey()).status()).isEqualTo(201);
      page.tell("restarted");
      JsonObject result = result(page);
      assertThat(result.getJsonArray("toasts").getList()).as("the other buyer's toast").anyMatch(t -> t.toString().endsWith("bought 3 batches"));
      assertThat(result.getJsonObject("refused").getString("text")).isEqualTo("Sold out: only 0 batches are left");
      assertThat(result.getString("percent")).isEqualTo("100%");
    }
  }

  @Test
  void aSampleChainhookListsForEveryoneAndARollbackTakesItBack() throws Exception {
    try (NodeScript page = scenario("marketplace")) {
      JsonObject result = result(page);
      assertThat(result.getJsonArray("afterFirst").getList()).containsExactly("41:listed", "38:sold");
      assertThat(result.getJsonArray("afterRollback").getList()).as("the second block's listings are gone").containsExactly("41:listed", "38:sold");
      assertThat(result.getJsonArray("walletLog").getList()).contains("listing.created");
    }
  }

  @Test
  void anAdminsBillsReachTheirCustomerOnlyAndStockEditsRaiseTheLowStockAlert() throws Exception {
    try (NodeScript page = scenario("inventory")) {
      JsonObject result = result(page);
      assertThat(result.getJsonArray("bobBefore").getList()).as("alice's bill never reached bob").isEmpty();
      assertThat(result.getJsonArray("aliceAfter").getList()).as("gone from alice once it was bob's").isEmpty();
      assertThat(result.getJsonArray("bobAfter").getList()).as("gone from bob once deleted").isEmpty();
      assertThat(result.getJsonArray("movements").getList()).contains("widget: 6 → 5 (-1)", "widget: 5 → 4 (-1)");
    }
  }

  @Test
  void aFundedInvoiceMovesThePortfolioAndRingsTheSellersBellInEveryTab() throws Exception {
    try (NodeScript page = scenario("invoices")) {
      JsonObject result = result(page);
      assertThat(result.getString("portfolio")).isEqualTo("1");
      assertThat(node.http.get("/api/v1/collections/invoices/docs/" + result.getString("invoice"), "X-Api-Key", devApiKey())
          .json().getString("investorId")).isEqualTo("ivo");
    }
  }

  @Test
  void chatMessagesTypingPresenceVotesDirectMessagesAndOlderPages() throws Exception {
    JsonObject credit = new JsonObject().put("type", "credit").put("data", new JsonObject().put("userId", "ana").put("amount", 25));
    assertThat(node.http.post("/api/v1/channels/ledger:main/events", credit, "X-Api-Key", devApiKey()).status()).isEqualTo(201);
    try (NodeScript page = scenario("chat")) {
      JsonObject result = result(page);
      assertThat(result.getString("firstShown")).as("load older reached the room's first message").isEqualTo("anahello bo");
    }
    String dm = "/api/v1/channels/dm:ana:bo/events";
    assertThat(node.http.get(dm, "Authorization", "Bearer " + token("cy")).status()).as("a third user cannot read a DM").isIn(403, 404);
    assertThat(node.http.get(dm, "Authorization", "Bearer " + token("bo")).json().getJsonArray("events").size()).isEqualTo(1);
    assertThat(node.http.get(dm).status()).as("nor can a caller without a token").isEqualTo(401);
    assertThat(node.http.get("/api/v1/channels/dm:ana:bo:cy/events", "Authorization", "Bearer " + token("ana")).status())
        .as("a DM has exactly two users").isEqualTo(403);
    assertThat(node.http.get("/api/v1/aggregates/balances?group=ana", "Authorization", "Bearer " + token("bo")).status())
        .as("a balance is its user's alone").isEqualTo(403);
  }

  private static String token(String sub) {
    return node.http.post("/dev/token", new JsonObject().put("sub", sub)).json().getString("token");
  }

  private static String devApiKey() throws Exception {
    return new JsonObject(Files.readString(dataDir.resolve("dev-credentials.json"))).getString("apiKey");
  }

  private static NodeScript scenario(String name) throws Exception {
    return NodeScript.start(BROWSER_DIR, "console.mjs", Map.of("HERALD_URL", "http://127.0.0.1:" + node.port,
        "SCREENSHOTS", SHOTS.toString()), name);
  }

  /** When the script asks (restart-now), the node stops and starts again on its port, database and data dir. */
  private static void restartWhenAsked(NodeScript page) throws InterruptedException {
    awaitStep(page, "restart-now");
    int port = node.port;
    node.close();
    node = startNode(port);
  }

  /** Waits for the script to ask for a step (a line), failing with its result if it ended first. */
  private static void awaitStep(NodeScript page, String step) throws InterruptedException {
    page.awaitLine(l -> l.equals(step) || l.startsWith("{"), 90);
    if (!page.lines.contains(step)) {
      result(page);
      fail("the script ended before %s: %s", step, page.lines);
    }
  }

  /** The script's result; a failure carries its error and the pages' own errors. */
  private static JsonObject result(NodeScript page) throws InterruptedException {
    JsonObject result = page.result(120);
    assertThat(result.getBoolean("ok")).as("%s%nscreenshots in %s", result.encodePrettily(), SHOTS).isTrue();
    assertThat(result.getJsonArray("pageErrors")).as("errors the pages logged").isEmpty();
    return result;
  }

  /** Debian's chromium (apt-get, as root) and playwright-core (npm ci), unless already there. */
  static void install() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
      run(List.of("bash", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"), BASE_DIR);
    }
    if (!Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), BROWSER_DIR);
    }
  }

  private static void run(List<String> command, Path dir) throws Exception {
    Path log = Files.createTempFile("console-install", ".log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      fail("`%s` failed:%n%s", String.join(" ", command), Files.readString(log));
    }
  }
}
