package dev.herald.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.core.HeraldException;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal on its own, below the input checks: when PostgreSQL refuses one unit of a group commit,
 * that unit fails with a 400 saying what was refused, and every other unit of the group is stored.
 */
class JournalRefusalTest {

  static TestNode node;
  static Journal journal;

  @BeforeAll
  static void start() {
    node = TestNode.start(TestDatabase.create(), false);
    journal = node.herald.journal();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aRefusedUnitFailsAloneAndTheRestOfItsGroupCommits() throws Exception {
    List<Future<List<Appended>>> good = new ArrayList<>();
    List<Future<List<Appended>>> bad = new ArrayList<>();
    // queued together: the first starts a commit, the others wait and go as one group
    for (int i = 0; i < 30; i++) {
      good.add(journal.append(List.of(event("refusal-" + (i % 3), "good", "{}"))));
      if (i % 6 == 0) {
        bad.add(journal.append(List.of(event("refusal-0", "nul\0type", "{}"))));
        bad.add(journal.append(List.of(event("refusal-1", "ok", "{}"), event("refusal-1", "ok", "\"\\u0000\"" + "x"))));
      }
    }
    for (Future<List<Appended>> f : good) {
      assertThat(await(f).get(0).duplicate()).isFalse();
    }
    for (Future<List<Appended>> f : bad) {
      HeraldException e = failure(f);
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.code()).isEqualTo("invalid_event");
      assertThat(e.getMessage()).startsWith("the event store refused").doesNotContainIgnoringCase("insert");
    }
    long stored = 0;
    for (int c = 0; c < 3; c++) {
      stored += await(journal.head("refusal-" + c));
    }
    assertThat(stored).isEqualTo(30); // the two-event units stored nothing: a unit is all or nothing
  }

  private static NewEvent event(String channel, String type, String data) {
    return new NewEvent(channel, UUID.randomUUID().toString(), false, type, data);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static HeraldException failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(HeraldException.class);
      return (HeraldException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
