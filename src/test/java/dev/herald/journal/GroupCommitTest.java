package dev.herald.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Concurrent publishes share commits: many events, far fewer transactions, every seq accounted for. */
class GroupCommitTest {

  @Test
  void concurrentAppendsAreGroupedIntoFewerCommits() throws Exception {
    try (TestNode node = TestNode.start(TestDatabase.create(), false)) {
      Journal journal = node.herald.journal();
      long commitsBefore = journal.commits();
      int publishers = 32;
      int perPublisher = 25;
      ExecutorService pool = Executors.newFixedThreadPool(publishers);
      try {
        List<CompletableFuture<List<Long>>> all = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
          all.add(CompletableFuture.supplyAsync(() -> {
            List<Long> seqs = new ArrayList<>();
            for (int i = 0; i < perPublisher; i++) {
              seqs.add(node.http.publish("market:grouped", "e", i).json().getLong("seq"));
            }
            return seqs;
          }, pool));
        }
        List<Long> seqs = new ArrayList<>();
        for (CompletableFuture<List<Long>> f : all) {
          seqs.addAll(f.get());
        }
        int total = publishers * perPublisher;
        assertThat(seqs.stream().sorted().toList())
            .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        long commits = journal.commits() - commitsBefore;
        // with 32 publishers in flight, a commit carries several events; one per event would be 800
        assertThat(commits).isLessThan(total / 2);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
