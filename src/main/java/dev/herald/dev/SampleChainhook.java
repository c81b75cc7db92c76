package dev.herald.dev;

import dev.herald.core.Authenticator;
import dev.herald.core.Digests;
import dev.herald.core.HeraldConfig;
import dev.herald.core.HeraldException;
import dev.herald.core.Rest;
import dev.herald.module.Module;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The console marketplace's block source, in development mode: {@code POST /dev/chainhook/sample}
 * sends this node's own webhook endpoint a Hiro Chainhook delivery signed with the node's chainhook
 * secret, as an indexer would. The first is the sample block (resources/dev/chainhook-block.json:
 * a stream created, an NFT listed, another sold); each later one is that block again as the next
 * block, its stream ids moved up by 100, so every click lists something new.
 * {@code {"rollback": true}} sends the last block sent back as a rollback (a re-org), which
 * reverts its listings.
 */
public final class SampleChainhook implements Module {

  private static final JsonObject BLOCK = fixture();
  private static final int STREAM_STEP = 100;

  private final Authenticator auth;
  private final HttpClient client;
  private final int port;
  private final String secret;
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicReference<JsonObject> last = new AtomicReference<>();

  public SampleChainhook(Vertx vertx, HeraldConfig config, Authenticator auth) {
    this.auth = auth;
    this.client = vertx.createHttpClient();
    this.port = config.port();
    this.secret = config.webhooks().getJsonObject("chainhook", new JsonObject()).getString("secret", "");
  }

  @Override
  public void mount(Router router) {
    router.post("/dev/chainhook/sample").handler(this::send);
  }

  private void send(RoutingContext ctx) {
    Rest.respond(ctx, auth, who -> {
      who.requireUser("sending sample blocks");
      if (secret.isBlank()) {
        throw HeraldException.notFound("the chainhook source has no secret on this node");
      }
      boolean rollback = wantsRollback(ctx);
      JsonObject block = rollback ? last.getAndSet(null) : nextBlock();
      if (block == null) {
        throw new HeraldException(409, "nothing_to_roll_back", "send a sample block first; each block rolls back once");
      }
      JsonObject payload = BLOCK.copy().put("apply", new JsonArray()).put("rollback", new JsonArray());
      payload.getJsonArray(rollback ? "rollback" : "apply").add(block);
      if (!rollback) {
        last.set(block);
      }
      return deliver(payload).map(answer -> {
        Rest.reply(ctx, 200, new JsonObject().put("block", block.getJsonObject("block_identifier").getLong("index"))
            .put("rollback", rollback).put("webhook", answer));
        return null;
      });
    });
  }

  /** {"rollback": true} asks for a rollback; no body, or anything else in it, for the next block. */
  private static boolean wantsRollback(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().length() == 0) {
      return false;
    }
    return Rest.bodyObject(ctx, "invalid_json", "the body is {rollback?}").getValue("rollback") instanceof Boolean b && b;
  }

  /** The sample block as block n (0: as it is), its index, hashes and stream ids moved on. */
  private JsonObject nextBlock() {
    int n = sent.getAndIncrement();
    JsonObject block = BLOCK.getJsonArray("apply").getJsonObject(0).copy();
    JsonObject id = block.getJsonObject("block_identifier");
    id.put("index", id.getLong("index") + n).put("hash", id.getString("hash") + "-" + n);
    for (Object t : block.getJsonArray("transactions")) {
      JsonObject tx = (JsonObject) t;
      JsonObject txId = tx.getJsonObject("transaction_identifier");
      txId.put("hash", txId.getString("hash") + "-" + n);
      for (Object e : tx.getJsonObject("metadata").getJsonObject("receipt").getJsonArray("events")) {
        JsonObject value = ((JsonObject) e).getJsonObject("data").getJsonObject("value");
        value.put("stream-id", value.getLong("stream-id") + (long) STREAM_STEP * n);
      }
    }
    return block;
  }

  /** POSTs the delivery to this node's webhook endpoint, signed, and answers its status and body. */
  private Future<JsonObject> deliver(JsonObject payload) {
    Buffer body = Buffer.buffer(payload.encode());
    String signature = "sha256=" + Digests.hmacSha256Hex(secret.getBytes(StandardCharsets.UTF_8), body.getBytes());
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/webhooks/chainhook").putHeader("Content-Type", "application/json")
        .putHeader("X-Signature", signature).putHeader("X-Delivery-Id", "sample-" + UUID.randomUUID());
    return client.request(request).compose(r -> r.send(body).compose(answer -> answer.body().map(text ->
        new JsonObject().put("status", answer.statusCode()).put("body", new JsonObject(text.toString())))));
  }

  private static JsonObject fixture() {
    try (InputStream in = SampleChainhook.class.getResourceAsStream("/dev/chainhook-block.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
