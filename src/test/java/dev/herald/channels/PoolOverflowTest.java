package dev.herald.channels;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * More requests than the database pool's wait queue holds: the overflow is told to come back (503 with
 * Retry-After), nothing gets a 500, the node serves normally right after, and the log stays free of
 * the pool's "Promise already completed" (vertx-sql-client issue 1567).
 */
class PoolOverflowTest {

  @Test
  void requestsBeyondTheWaitQueueGet503WithRetryAfter() throws Exception {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    log.start();
    root.addAppender(log);
    try (TestNode node = TestNode.start(io.vertx.core.json.JsonObject.of("dbUrl", TestDatabase.create(),
        "dbPoolSize", 1, "dbPoolWaitQueue", 2))) {
      node.http.publish("burst", "t", 0);
      List<HttpResponse<String>> responses = burst(120, i -> i % 6 == 0
          ? StoreOutageTest.post(node.port, "/api/v1/channels/burst/events", "{\"type\":\"t\"}")
          : StoreOutageTest.get(node.port, "/api/v1/channels/burst/events?limit=1000"));

      List<HttpResponse<String>> refused = new ArrayList<>();
      for (HttpResponse<String> r : responses) {
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201, 503);
        if (r.statusCode() == 503) {
          refused.add(r);
        }
      }
      assertThat(refused).isNotEmpty();
      refused.forEach(StoreOutageTest::assertUnavailable);
      assertThat(node.http.publish("burst", "t", 1).status()).isEqualTo(201);
      assertThat(StoreOutageTest.get(node.port, "/api/v1/channels/burst/events").statusCode()).isEqualTo(200);
    } finally {
      root.detachAppender(log);
    }
    List<String> lines = log.list.stream().map(e -> e.getThrowableProxy() == null ? e.getFormattedMessage()
        : e.getFormattedMessage() + " " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage())
        .toList();
    assertThat(lines).noneMatch(line -> line.contains("already complete") || line.contains("IllegalStateException"));
  }

  interface Call {
    HttpResponse<String> send(int i) throws Exception;
  }

  private static List<HttpResponse<String>> burst(int n, Call call) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int at = i;
        futures.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
            return call.send(at);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, threads));
      }
      go.countDown();
      List<HttpResponse<String>> responses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> f : futures) {
        responses.add(f.get());
      }
      return responses;
    } finally {
      threads.shutdownNow();
    }
  }
}
