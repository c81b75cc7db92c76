import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Arrays;

/**
 * Open-loop writer: request i is scheduled at start + i / rate whatever the server answers, and
 * each is its own HTTP request (unlike bench/compare's Publisher, which batches what is due in one
 * tick: a document write is one PUT, so its peer is one publish per request). A 1 ms timer sends
 * what is due while fewer than {@link #MAX_IN_FLIGHT} are outstanding; the time of each 2xx answer
 * is kept per index, for latency from the acknowledgement. Runs on one context.
 */
final class OpenLoop {

  /** What request i is: method, path and JSON body (its scheduled send time given). */
  interface Requests {
    HttpMethod method();

    String path(long i);

    String body(long i, long scheduledAt);
  }

  static final int MAX_IN_FLIGHT = 64;
  /** Due requests beyond this are dropped (counted): the server is hopelessly behind. */
  static final int MAX_BACKLOG = 2000;

  private final Vertx vertx;
  private final Context context;
  private final int port;
  private final String apiKey;
  private final double interval;
  private final Requests requests;
  private final int capacity;
  private HttpClient client;
  private long timer = -1;
  private long start;
  private long next;
  private int inFlight;
  /** When request i's 2xx answer came (System.nanoTime()), 0 if none (yet). Read after {@link #idle()}. */
  final long[] acked;
  volatile long sent;
  volatile long ok;
  volatile long failed;
  volatile long skipped;
  volatile String lastError;

  /** At most limit requests (the capacity of the arrays). */
  OpenLoop(Vertx vertx, Context context, int port, String apiKey, double perSecond, int limit, Requests requests) {
    this.vertx = vertx;
    this.context = context;
    this.port = port;
    this.apiKey = apiKey;
    this.interval = 1e9 / perSecond;
    this.requests = requests;
    this.capacity = limit;
    this.acked = new long[limit];
  }

  long scheduledAt(long i) {
    return start + (long) (i * interval);
  }

  /** The first index scheduled at or after the given time. */
  long indexAt(long nanos) {
    return Math.max(0, (long) Math.ceil((nanos - start) / interval));
  }

  void start(long startNanos) {
    start = startNanos;
    context.runOnContext(v -> {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1").setDefaultPort(port),
          new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT));
      timer = vertx.setPeriodic(1, t -> tick());
    });
  }

  /** Stops scheduling; requests in flight still complete. */
  void stop() {
    context.runOnContext(v -> vertx.cancelTimer(timer));
  }

  /** Requests scheduled so far (the next index). */
  long scheduled() {
    return next;
  }

  boolean idle() {
    return inFlight == 0;
  }

  void close() {
    context.runOnContext(v -> client.close());
  }

  private void tick() {
    long now = System.nanoTime();
    long due = Math.min(capacity, (long) Math.floor((now - start) / interval) + 1);
    if (due - next > MAX_BACKLOG) {
      skipped += due - MAX_BACKLOG - next;
      next = due - MAX_BACKLOG;
    }
    while (next < due && inFlight < MAX_IN_FLIGHT) {
      send(next++);
    }
    if (next >= capacity) {
      vertx.cancelTimer(timer);
    }
  }

  private void send(long i) {
    RequestOptions req = new RequestOptions().setMethod(requests.method()).setURI(requests.path(i))
        .putHeader("Content-Type", "application/json").putHeader("X-Api-Key", apiKey);
    Buffer body = Buffer.buffer(requests.body(i, scheduledAt(i)));
    inFlight++;
    sent++;
    client.request(req).compose(r -> r.send(body)).compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          long now = System.nanoTime();
          inFlight--;
          if (ar.succeeded() && ar.result() / 100 == 2) {
            acked[(int) i] = now;
            ok++;
          } else {
            failed++;
            lastError = ar.succeeded() ? "HTTP " + ar.result() : String.valueOf(ar.cause());
          }
        });
  }

  /** A copy of the acknowledgement times (call on this loop's context, once idle). */
  long[] ackedCopy() {
    return Arrays.copyOf(acked, acked.length);
  }
}
