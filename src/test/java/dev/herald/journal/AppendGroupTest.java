package dev.herald.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a group commit stores and what each caller is told: first mentions are created, repeats of a
 * client id (in the group or already stored) are duplicates of the one event, results in caller order.
 */
class AppendGroupTest {

  private static final Instant TS = Instant.parse("2026-11-23T10:00:00.123Z");

  private static NewEvent client(String channel, String id) {
    return new NewEvent(channel, id, true, "t", "{\"id\":\"" + id + "\"}");
  }

  private static NewEvent server(String channel, String id) {
    return new NewEvent(channel, id, false, "t", "{}");
  }

  /** What the append statement would return for the fresh events: each stored with the next seq. */
  private static List<Event> store(List<NewEvent> fresh, long firstSeq) {
    List<Event> created = new ArrayList<>();
    for (NewEvent e : fresh) {
      created.add(new Event(e.channel(), firstSeq + created.size(), e.id(), e.type(), e.dataJson(), TS));
    }
    return created;
  }

  @Test
  void eventsNeverSeenAreAllFreshAndCreatedInOrder() {
    List<NewEvent> all = List.of(client("a", "1"), server("a", "u-1"), client("b", "1"));
    AppendGroup group = new AppendGroup(all, List.of());

    assertThat(group.fresh()).containsExactlyElementsOf(all);
    List<Event> created = store(group.fresh(), 10);
    assertThat(group.results(created)).containsExactly(
        new Appended(created.get(0), false), new Appended(created.get(1), false), new Appended(created.get(2), false));
  }

  @Test
  void aClientIdRepeatedInTheGroupIsStoredOnceAndTheRepeatIsADuplicateOfIt() {
    List<NewEvent> all = List.of(client("a", "x"), client("a", "y"), client("a", "x"));
    AppendGroup group = new AppendGroup(all, List.of());

    assertThat(group.fresh()).containsExactly(client("a", "x"), client("a", "y"));
    List<Event> created = store(group.fresh(), 1);
    assertThat(group.results(created)).containsExactly(
        new Appended(created.get(0), false), new Appended(created.get(1), false), new Appended(created.get(0), true));
  }

  @Test
  void aClientIdAlreadyStoredIsNotStoredAgainAndAnswersTheStoredEvent() {
    Event earlier = new Event("a", 7, "x", "t", "{\"first\":true}", TS.minusSeconds(60));
    List<NewEvent> all = List.of(client("a", "new"), client("a", "x"), client("a", "x"));
    AppendGroup group = new AppendGroup(all, List.of(earlier));

    assertThat(group.fresh()).containsExactly(client("a", "new"));
    List<Event> created = store(group.fresh(), 8);
    assertThat(group.results(created)).containsExactly(
        new Appended(created.get(0), false), new Appended(earlier, true), new Appended(earlier, true));
  }

  @Test
  void aGroupOfStoredEventsOnlyStoresNothing() {
    Event x = new Event("a", 1, "x", "t", "{}", TS);
    Event y = new Event("b", 1, "y", "t", "{}", TS);
    AppendGroup group = new AppendGroup(List.of(client("b", "y"), client("a", "x")), List.of(x, y));

    assertThat(group.fresh()).isEmpty();
    assertThat(group.results(List.of())).containsExactly(new Appended(y, true), new Appended(x, true));
  }

  @Test
  void idsAreOnlyTheSameWithinOneChannel() {
    Event stored = new Event("a", 3, "x", "t", "{}", TS);
    List<NewEvent> all = List.of(client("b", "x"), client("c", "x"));
    AppendGroup group = new AppendGroup(all, List.of(stored));

    assertThat(group.fresh()).containsExactlyElementsOf(all);
    List<Event> created = store(group.fresh(), 1);
    assertThat(group.results(created)).extracting(Appended::duplicate).containsExactly(false, false);
  }

  @Test
  void onlyClientGivenIdsAreMatched() {
    Event stored = new Event("a", 3, "x", "t", "{}", TS);
    List<NewEvent> all = List.of(server("a", "x"), server("a", "x"));
    AppendGroup group = new AppendGroup(all, List.of(stored));

    assertThat(group.fresh()).containsExactlyElementsOf(all);
    List<Event> created = store(group.fresh(), 4);
    assertThat(group.results(created)).containsExactly(new Appended(created.get(0), false), new Appended(created.get(1), false));
  }
}
