package dev.herald.testing;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A blocking HTTP client for tests, as any user of the REST API would call it. */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;

  public Http(int port) {
    this.port = port;
  }

  public int port() {
    return port;
  }

  public record Response(int status, String body, java.net.http.HttpHeaders headers) {
    /** A response header's first value, or null. */
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public JsonObject json() {
      return new JsonObject(body);
    }

    public JsonArray array() {
      return new JsonArray(body);
    }

    /** The error code of a {"error":{code,message}} body. */
    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }
  }

  public Response get(String path, String... headers) {
    return send(request(path, headers).GET().build());
  }

  public Response post(String path, Object json, String... headers) {
    String body = json instanceof String s ? s : Json.encode(json);
    return send(request(path, headers).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public Response put(String path, Object json, String... headers) {
    return send("PUT", path, json, headers);
  }

  public Response patch(String path, Object json, String... headers) {
    return send("PATCH", path, json, headers);
  }

  public Response delete(String path, String... headers) {
    return send(request(path, headers).DELETE().build());
  }

  /** Any method with a JSON body (a String is sent as it is). */
  public Response send(String method, String path, Object json, String... headers) {
    String body = json instanceof String s ? s : Json.encode(json);
    return send(request(path, headers).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Publishes with the test API key; returns the receipt response. */
  public Response publish(String channel, String type, Object data) {
    return post("/api/v1/channels/" + channel + "/events", new JsonObject().put("type", type).put("data", data),
        "X-Api-Key", TestNode.API_KEY);
  }

  private HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
