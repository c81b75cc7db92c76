import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Open-loop publisher: each stream schedules its publishes at a fixed rate from a start time,
 * whatever the server answers; a 1 ms timer sends what is due (one HTTP request per tick, a batch
 * when several are due). The payload carries the *scheduled* time, so a stall anywhere shows up as
 * latency instead of slowing the schedule down (no coordinated omission). Runs on one context.
 */
final class Publisher {

  /** Publishes at perSecond; publish i goes to channel.apply(i) and reaches fanout subscribers. */
  record Stream(double perSecond, LongFunction<String> channel, int fanout) {
  }

  static final int MAX_IN_FLIGHT = 64;
  static final int CONNECT_TIMEOUT_MS = 5000;
  static final int MAX_BATCH = 1000;
  private static final String PAD = "x".repeat(64);

  private final Vertx vertx;
  private final Context context;
  private final Target target;
  private final List<Stream> streams;
  private final long[] next;
  private HttpClient client;
  private long timer = -1;
  private long start;
  private volatile long from = Long.MAX_VALUE;
  private volatile long to = Long.MAX_VALUE;
  private int inFlight;
  private List<Protocol.Pub> due = new ArrayList<>();
  private List<Long> dueTimes = new ArrayList<>();
  private List<Integer> dueFanouts = new ArrayList<>(); // deliveries each should cause inside the window
  // counters, read by the coordinator for progress and at the end
  volatile long sent;
  volatile long ok;
  volatile long failed;
  volatile long skipped; // dropped when more than MAX_BATCH publishes were waiting
  volatile long expectedInWindow;
  private final List<Long> publishLatency = new ArrayList<>();
  private String lastError;
  /** Told the scheduled time of every publish the server accepted (2xx), on the publisher's context. */
  LongConsumer accepted = t -> { };

  Publisher(Vertx vertx, Context context, Target target, List<Stream> streams) {
    this.vertx = vertx;
    this.context = context;
    this.target = target;
    this.streams = streams;
    this.next = new long[streams.size()];
  }

  void start(long startNanos, long windowFrom, long windowTo) {
    start = startNanos;
    window(windowFrom, windowTo);
    context.runOnContext(v -> {
      // a connect to a server that is restarting (storm) or whose accept queue overflows must fail,
      // not hold one of the MAX_IN_FLIGHT slots for the default minute
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1")
          .setDefaultPort(target.publishPort()).setConnectTimeout(CONNECT_TIMEOUT_MS), new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT));
      timer = vertx.setPeriodic(1, t -> tick());
    });
  }

  /** Moves the measured window (before it opens): publishes scheduled in it count as expected deliveries. */
  void window(long windowFrom, long windowTo) {
    from = windowFrom;
    to = windowTo;
  }

  /** Stops scheduling (at the window's end); requests in flight still complete. */
  void stop() {
    context.runOnContext(v -> vertx.cancelTimer(timer));
  }

  boolean idle() {
    return inFlight == 0;
  }

  void close() {
    context.runOnContext(v -> client.close());
  }

  private void tick() {
    long now = System.nanoTime();
    for (int s = 0; s < streams.size(); s++) {
      Stream st = streams.get(s);
      double interval = 1e9 / st.perSecond();
      long at;
      while ((at = start + (long) (next[s] * interval)) <= now) {
        due.add(new Protocol.Pub(target.protocol().channel(st.channel().apply(next[s])),
            "{\"t\":" + at + ",\"p\":\"" + PAD + "\"}"));
        dueTimes.add(at);
        dueFanouts.add(at >= from && at < to ? st.fanout() : 0);
        next[s]++;
      }
    }
    // at the in-flight cap, what is due waits for the next tick and goes out in one batch then;
    // its latency still counts from the scheduled time
    if (due.isEmpty() || inFlight >= MAX_IN_FLIGHT) {
      return;
    }
    if (due.size() > MAX_BATCH) {
      skipped += due.size() - MAX_BATCH; // hopelessly behind: drop the oldest rather than grow without bound
      due.subList(0, due.size() - MAX_BATCH).clear();
      dueTimes.subList(0, dueTimes.size() - MAX_BATCH).clear();
      dueFanouts.subList(0, dueFanouts.size() - MAX_BATCH).clear();
    }
    send(due, dueTimes, dueFanouts.stream().mapToInt(Integer::intValue).sum());
    due = new ArrayList<>();
    dueTimes = new ArrayList<>();
    dueFanouts = new ArrayList<>();
  }

  private void send(List<Protocol.Pub> due, List<Long> times, int fanoutInWindow) {
    Protocol.Post post = target.protocol().publish(due);
    RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setURI(post.path())
        .putHeader("Content-Type", "application/json");
    if (post.apiKey() != null) {
      req.putHeader("X-Api-Key", post.apiKey());
    }
    inFlight++;
    sent += due.size();
    client.request(req).compose(r -> r.send(post.body())).compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          inFlight--;
          long now = System.nanoTime();
          if (ar.succeeded() && ar.result() / 100 == 2) {
            ok += due.size();
            expectedInWindow += fanoutInWindow;
            times.forEach(accepted::accept);
            for (long t : times) {
              if (t >= from && t < to) {
                publishLatency.add(now - t);
              }
            }
          } else {
            failed += due.size();
            lastError = ar.succeeded() ? "HTTP " + ar.result() : String.valueOf(ar.cause());
          }
        });
  }

  long[] publishLatencies() {
    return publishLatency.stream().mapToLong(Long::longValue).toArray();
  }

  String lastError() {
    return lastError;
  }
}
