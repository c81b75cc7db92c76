import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A storm client: one subscriber that, like a real client library, reconnects when its connection
 * drops (first attempt after a random 0-1 s, then exponential backoff to 5 s with jitter) and
 * subscribes again, resuming from the last seq it saw where the protocol can (Herald's
 * headers.since). Lives on one event loop; a new Conn per attempt, one DeliveryLog for its life.
 */
final class Resumer {

  static final long FIRST_JITTER_MS = 1000;
  static final long MAX_BACKOFF_MS = 5000;
  /** An attempt not subscribed after this long is abandoned and retried (client libraries have such a timeout). */
  static final long ATTEMPT_TIMEOUT_MS = 10_000;

  final DeliveryLog log;
  private final Loops loops;
  private final int loop;
  private final Target target;
  private final int port;
  private final String channel;
  private Conn conn;
  private int failures;
  private boolean stopped;

  Resumer(Loops loops, int loop, Target target, int port, String channel, DeliveryLog log) {
    this.loops = loops;
    this.loop = loop;
    this.target = target;
    this.port = port;
    this.channel = channel;
    this.log = log;
  }

  /** Opens and subscribes; the returned Conn's subscribed future says when (call on this client's loop). */
  Conn connect() {
    Conn c = new Conn(List.of(channel), loops.recorders.get(loop));
    c.log = log;
    // the first subscription starts at the head (the channel is fresh); every later one resumes after
    // the last seq seen, 0 if none came yet (starting at the head again would skip what came meanwhile)
    c.since = log.drops > 0 ? log.lastSeq : -1;
    conn = c;
    log.attempts++;
    long timeout = loops.vertx.setTimer(ATTEMPT_TIMEOUT_MS, t -> c.failed("not subscribed after " + ATTEMPT_TIMEOUT_MS + " ms"));
    c.subscribed.future().onComplete(ar -> loops.vertx.cancelTimer(timeout)).onSuccess(v -> {
      failures = 0;
      log.subscribed();
    }).onFailure(err -> retry(c));
    loops.clients.get(loop).connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
            .setURI(target.protocol().path(c.channels, null)))
        .onSuccess(ws -> {
          c.ws = ws;
          if (c != conn) {
            c.close(); // this attempt was given up (timed out) while connecting: a second subscription would duplicate
            return;
          }
          ws.handler(frame -> target.protocol().frame(c, frame));
          ws.exceptionHandler(err -> { });
          ws.closeHandler(v -> {
            if (c == conn && !stopped) {
              log.dropped();
              retry(c);
            }
          });
          target.protocol().opened(c);
        })
        .onFailure(err -> c.failed("connect: " + err));
    return c;
  }

  private void retry(Conn failed) {
    if (stopped || failed != conn) {
      return;
    }
    conn = null; // a late close or error of the failed attempt must not schedule another
    failed.close();
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long delay = failures == 0 ? rnd.nextLong(FIRST_JITTER_MS + 1)
        : (long) (Math.min(MAX_BACKOFF_MS, 250L << Math.min(failures, 5)) * (0.5 + rnd.nextDouble() / 2));
    failures++;
    loops.vertx.setTimer(Math.max(1, delay), t -> {
      if (!stopped) {
        connect();
      }
    });
  }

  void stop() {
    stopped = true;
    if (conn != null) {
      conn.close();
    }
  }
}
