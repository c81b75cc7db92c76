package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Answers computed on another thread still reach the client when the server runs in strict thread mode. */
class RestTest {

  @Test
  void repliesAndErrorsFromAnotherThreadAreWrittenOnTheRequestsEventLoop() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      router.get("/ok").handler(ctx -> new Thread(() -> Rest.reply(ctx, 200, new JsonObject().put("ok", true))).start());
      router.get("/fail").handler(ctx -> new Thread(() -> Rest.fail(ctx, HeraldException.notFound("gone"))).start());
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1").setStrictThreadMode(true))
          .requestHandler(router).listen().await();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + server.actualPort();

      HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(base + "/ok")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> failed = client.send(HttpRequest.newBuilder(URI.create(base + "/fail")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(ok.body()).getBoolean("ok")).isTrue();
      assertThat(failed.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(failed.body()).getJsonObject("error").getString("code")).isEqualTo("not_found");
    } finally {
      vertx.close().await();
    }
  }
}
