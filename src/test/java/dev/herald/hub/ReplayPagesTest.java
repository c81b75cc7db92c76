package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Eventually;
import dev.herald.testing.TestDatabase;
import dev.herald.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A reconnect storm: many subscriptions resume from the same seq at once. Each gets every stored
 * event after it, in order, then live ones; and they share one journal read and one encoding per
 * event (the very same frames), instead of a read and an encoding per socket.
 */
class ReplayPagesTest {

  @Test
  void subscriptionsResumingFromTheSameSeqShareTheReplayedFrames() {
    String channel = "market:storm";
    try (TestNode node = TestNode.start(TestDatabase.create(), false)) {
      for (int i = 1; i <= 30; i++) {
        assertThat(node.http.publish(channel, "tick", new JsonObject().put("n", i)).status()).isEqualTo(201);
      }
      Hub hub = node.herald.hub();
      List<RecordingSubscriber> resumed = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        RecordingSubscriber s = new RecordingSubscriber();
        resumed.add(s);
        hub.subscribe(s, channel, 10L);
      }
      RecordingSubscriber fromElsewhere = new RecordingSubscriber();
      hub.subscribe(fromElsewhere, channel, 25L);

      List<Long> after10 = LongStream.rangeClosed(11, 30).boxed().toList();
      Eventually.equal(() -> resumed.stream().allMatch(s -> s.frames().size() == after10.size()), true);
      for (RecordingSubscriber s : resumed) {
        assertThat(s.seqs()).containsExactlyElementsOf(after10);
        for (int k = 0; k < after10.size(); k++) {
          assertThat(s.frames().get(k)).isSameAs(resumed.get(0).frames().get(k));
        }
      }
      Eventually.equal(() -> fromElsewhere.seqs(), List.of(26L, 27L, 28L, 29L, 30L));

      // and then live, with no gap at the seam
      node.http.publish(channel, "tick", new JsonObject().put("n", 31));
      Eventually.equal(() -> resumed.get(19).seqs().size(), 21);
      assertThat(resumed.get(19).seqs().get(20)).isEqualTo(31L);
      assertThat(fromElsewhere.seqs()).containsExactly(26L, 27L, 28L, 29L, 30L, 31L);
    }
  }
}
