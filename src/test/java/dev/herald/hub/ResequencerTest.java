package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.hub.Resequencer.Released;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A channel's frames come out in seq order, each once: early ones wait for the missing ones (live or
 * filled from the journal), duplicates are dropped, and an open gap says what a fill should read.
 */
class ResequencerTest {

  private static Sequenced<String> at(long seq) {
    return new Sequenced<>(seq, "frame " + seq);
  }

  private static List<Sequenced<String>> frames(long... seqs) {
    return Arrays.stream(seqs).mapToObj(ResequencerTest::at).toList();
  }

  /** Nothing released; frames are held beyond a gap ending at {@code gapTo}. */
  private static Released<String> waiting(long gapTo) {
    return new Released<>(List.of(), OptionalLong.of(gapTo));
  }

  private static Released<String> arrive(Resequencer<String> order, long seq) {
    return order.arrived(seq, "frame " + seq);
  }

  private static Resequencer<String> startedAt(long head) {
    Resequencer<String> order = new Resequencer<>();
    assertThat(order.start(head)).isEqualTo(Released.nothing());
    return order;
  }

  @Test
  void framesInOrderAreReleasedOneByOne() {
    Resequencer<String> order = startedAt(4);

    assertThat(arrive(order, 5)).isEqualTo(new Released<>(frames(5), OptionalLong.empty()));
    assertThat(arrive(order, 6)).isEqualTo(new Released<>(frames(6), OptionalLong.empty()));
    assertThat(order.head()).isEqualTo(6);
    assertThat(order.gapTo()).isEmpty();
  }

  @Test
  void earlyFramesWaitAndAreReleasedInOrderWhenTheGapCloses() {
    Resequencer<String> order = startedAt(0);

    assertThat(arrive(order, 3)).isEqualTo(waiting(2));
    assertThat(arrive(order, 2)).isEqualTo(waiting(1));
    assertThat(arrive(order, 5)).isEqualTo(waiting(1));
    assertThat(order.head()).isZero();

    // 1 closes the first gap; 4 is still missing before 5
    assertThat(arrive(order, 1)).isEqualTo(new Released<>(frames(1, 2, 3), OptionalLong.of(4)));
    assertThat(arrive(order, 4)).isEqualTo(new Released<>(frames(4, 5), OptionalLong.empty()));
    assertThat(order.head()).isEqualTo(5);
  }

  @Test
  void framesAtOrBelowTheHeadAreDuplicatesAndDropped() {
    Resequencer<String> order = startedAt(10);

    assertThat(arrive(order, 10)).isEqualTo(Released.nothing());
    assertThat(arrive(order, 3)).isEqualTo(Released.nothing());
    assertThat(arrive(order, 11).frames()).isEqualTo(frames(11));
    assertThat(arrive(order, 11)).isEqualTo(Released.nothing());
    // a duplicate of a held frame is held once
    arrive(order, 13);
    arrive(order, 13);
    assertThat(arrive(order, 12).frames()).isEqualTo(frames(12, 13));
    assertThat(order.head()).isEqualTo(13);
  }

  @Test
  void aDuplicateReportsNoGapEvenWhileOneIsOpen() {
    Resequencer<String> order = startedAt(1);
    arrive(order, 4);

    assertThat(arrive(order, 1)).isEqualTo(Released.nothing());
    assertThat(order.gapTo()).hasValue(3);
  }

  @Test
  void framesBeforeTheHeadIsKnownAreHeldAndSortedOutByIt() {
    Resequencer<String> order = new Resequencer<>();
    assertThat(order.head()).isEqualTo(-1);

    for (long seq : new long[] {9, 7, 6, 8, 12}) {
      assertThat(arrive(order, seq)).isEqualTo(Released.nothing());
    }
    assertThat(order.gapTo()).isEmpty();

    // 6 and 7 were stored before the feed read the head; 8 and 9 follow it; 12 waits for 10 and 11
    assertThat(order.start(7)).isEqualTo(new Released<>(frames(8, 9), OptionalLong.of(11)));
    assertThat(order.head()).isEqualTo(9);
  }

  @Test
  void anEmptyChannelStartsAtZero() {
    Resequencer<String> order = new Resequencer<>();
    arrive(order, 1);

    assertThat(order.start(0)).isEqualTo(new Released<>(frames(1), OptionalLong.empty()));
  }

  @Test
  void aFillClosesTheGapAndReleasesTheHeldFramesAfterIt() {
    Resequencer<String> order = startedAt(2);
    arrive(order, 6);
    arrive(order, 7);
    assertThat(order.gapTo()).hasValue(5);

    assertThat(order.filled(frames(3, 4, 5), 5)).isEqualTo(new Released<>(frames(3, 4, 5, 6, 7), OptionalLong.empty()));
    assertThat(order.head()).isEqualTo(7);
  }

  @Test
  void aFillSkipsWhatArrivedLiveMeanwhileAndTakesOverHeldFramesItAlsoRead() {
    Resequencer<String> order = startedAt(2);
    arrive(order, 5);
    // a read of (2, 5] (a settle check) is under way when 3 arrives live
    arrive(order, 3);

    Sequenced<String> stored4 = new Sequenced<>(4, "stored 4");
    Sequenced<String> stored5 = new Sequenced<>(5, "stored 5");
    assertThat(order.filled(List.of(at(3), stored4, stored5), 5))
        .isEqualTo(new Released<>(List.of(stored4, stored5), OptionalLong.empty()));
    // the held 5 was released by the fill, not a second time afterwards
    assertThat(arrive(order, 6).frames()).isEqualTo(frames(6));
  }

  @Test
  void aShortFillLeavesTheRestOfTheGapOpen() {
    Resequencer<String> order = startedAt(0);
    arrive(order, 9);

    assertThat(order.filled(frames(1, 2, 3), 3)).isEqualTo(new Released<>(frames(1, 2, 3), OptionalLong.of(8)));
    assertThat(order.filled(List.of(), 3)).isEqualTo(waiting(8));
    assertThat(order.head()).isEqualTo(3);
  }

  /** Released frames, no gap left, after skipping seqs retention trimmed: the frames go on at firstKept. */
  private static Released<String> skipped(long firstKept, List<Sequenced<String>> frames) {
    return new Released<>(frames, OptionalLong.empty(), OptionalLong.of(firstKept));
  }

  @Test
  void aFillThatFindsTheSeqsAfterTheHeadTrimmedSkipsThemAndSaysWhereTheFramesGoOn() {
    Resequencer<String> order = startedAt(5);
    arrive(order, 9);

    // the read saw everything still stored up to 9: 6 and 7 will never come
    assertThat(order.filled(frames(8, 9), 9)).isEqualTo(skipped(8, frames(8, 9)));
    assertThat(order.head()).isEqualTo(9);
    assertThat(order.gapTo()).isEmpty();
    assertThat(arrive(order, 10).frames()).isEqualTo(frames(10));
  }

  @Test
  void heldFramesAreReleasedWhenNothingIsStoredAnyMore() {
    Resequencer<String> order = startedAt(5);
    arrive(order, 9);

    assertThat(order.filled(List.of(), 9)).isEqualTo(skipped(9, frames(9)));
    assertThat(order.head()).isEqualTo(9);
  }

  @Test
  void withNothingStoredNorHeldTheHeadMovesToTheHeadTheReadSaw() {
    Resequencer<String> order = startedAt(5);

    assertThat(order.filled(List.of(), 9)).isEqualTo(skipped(10, List.of()));
    assertThat(order.head()).isEqualTo(9);
    assertThat(order.filled(List.of(), 9)).isEqualTo(Released.nothing());
  }

  @Test
  void heldFramesFillWhatTheReadLacksBeforeAnythingIsSkipped() {
    Resequencer<String> order = startedAt(2);
    arrive(order, 4);

    // 3 read, 4 held (trimmed since it arrived), 5 read, then 6 and 7 gone
    assertThat(order.filled(frames(3, 5), 7)).isEqualTo(skipped(8, frames(3, 4, 5)));
    assertThat(order.head()).isEqualTo(7);
  }

  @Test
  void aStepSkipsOneRunOfTrimmedSeqsAndTheNextReadTheNext() {
    Resequencer<String> order = startedAt(2);

    assertThat(order.filled(frames(5, 6, 9), 9)).isEqualTo(skipped(5, frames(5, 6)));
    assertThat(order.head()).isEqualTo(6);
    assertThat(order.filled(frames(9), 9)).isEqualTo(skipped(9, frames(9)));
    assertThat(order.head()).isEqualTo(9);
  }

  @Test
  void aFillIsReleasedOnlyAsFarAsItIsContiguousWithTheHead() {
    Resequencer<String> order = startedAt(2);
    arrive(order, 9);

    assertThat(order.filled(frames(3, 4, 6, 7), 4)).isEqualTo(new Released<>(frames(3, 4), OptionalLong.of(8)));
    assertThat(order.filled(frames(6, 7), 4)).isEqualTo(waiting(8));
    assertThat(order.head()).isEqualTo(4);
  }
}
