// The ceiling peer for bench/run-compare.sh: a bare Vert.x WebSocket broadcaster. No durability, no
// auth, no protocol. A WebSocket to any path joins the rooms named by its ?room= parameters (one or
// more); POST /publish?room=R writes the request body, as one pre-built text frame, to every socket
// in R; POST /publish with a JSON array [{room, data}, ...] does the same for each item (frame = the
// item's data, encoded once). GET /health answers 200.
//
// One verticle instance per core. Each instance keeps the rooms of the sockets accepted on its own
// event loop; a publish is handed once to every instance, which writes to its sockets from their own
// thread (no per-socket hop between threads).
//
//   javac -cp target/herald.jar -d out bench/peers/raw-vertx/RawBroadcaster.java
//   PORT=8090 java -cp out:target/herald.jar RawBroadcaster

import io.netty.buffer.Unpooled;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

public class RawBroadcaster extends VerticleBase {

  /** Every instance, so that a publish received by one reaches the sockets of all. */
  private static final List<RawBroadcaster> INSTANCES = new CopyOnWriteArrayList<>();

  private final Map<String, Set<ServerWebSocket>> rooms = new HashMap<>();
  private final int port;

  RawBroadcaster(int port) {
    this.port = port;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8090"));
    int instances = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new RawBroadcaster(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.err.println("raw Vert.x broadcaster on 127.0.0.1:" + port + ", " + instances + " event loops"))
        .onFailure(err -> {
          err.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    INSTANCES.add(this);
    // the ceiling writes the same bytes to every socket: no per-socket compression (Socket.IO declines it too)
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
            .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false))
        .webSocketHandler(this::join)
        .requestHandler(this::request)
        .listen();
  }

  private void join(ServerWebSocket ws) {
    List<String> names = rooms(ws.uri());
    for (String room : names) {
      rooms.computeIfAbsent(room, r -> new LinkedHashSet<>()).add(ws);
    }
    ws.handler(ignored -> { }); // clients say nothing we need
    ws.closeHandler(v -> names.forEach(room -> {
      Set<ServerWebSocket> members = rooms.get(room);
      if (members != null && members.remove(ws) && members.isEmpty()) {
        rooms.remove(room);
      }
    }));
  }

  private void request(HttpServerRequest req) {
    if ("/health".equals(req.path())) {
      req.response().end("{\"ok\":true}");
      return;
    }
    if (!"/publish".equals(req.path())) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.body().onSuccess(body -> {
      String room = req.getParam("room");
      int n = 0;
      if (room != null) {
        publish(room, body.getBytes());
        n = 1;
      } else {
        for (Object item : new JsonArray(body)) {
          JsonObject pub = (JsonObject) item;
          publish(pub.getString("room"), Json.encodeToBuffer(pub.getValue("data")).getBytes());
          n++;
        }
      }
      req.response().putHeader("content-type", "application/json").end("{\"published\":" + n + "}");
    }).onFailure(err -> req.response().setStatusCode(400).end());
  }

  private static void publish(String room, byte[] frame) {
    for (RawBroadcaster instance : INSTANCES) {
      instance.context.runOnContext(v -> instance.broadcast(room, frame));
    }
  }

  private void broadcast(String room, byte[] frame) {
    Set<ServerWebSocket> members = rooms.get(room);
    if (members == null) {
      return;
    }
    for (ServerWebSocket ws : members) {
      ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(frame), true));
    }
  }

  /** The rooms named by ?room=a&room=b on a WebSocket's request URI. */
  static List<String> rooms(String uri) {
    int q = uri.indexOf('?');
    List<String> names = new ArrayList<>();
    if (q >= 0) {
      for (String pair : uri.substring(q + 1).split("&")) {
        if (pair.startsWith("room=")) {
          names.add(URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8));
        }
      }
    }
    return names;
  }
}
