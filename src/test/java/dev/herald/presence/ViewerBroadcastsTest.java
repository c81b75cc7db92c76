package dev.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Viewer counts are told once per tick per channel, only when they moved since the last one told. */
class ViewerBroadcastsTest {

  final ViewerBroadcasts broadcasts = new ViewerBroadcasts();
  final Map<String, Integer> totals = new HashMap<>();

  @Test
  void aChannelIsToldItsSettledCountOncePerTick() {
    totals.put("stream:a", 1);
    broadcasts.changed(Set.of("stream:a"));
    totals.put("stream:a", 5);
    broadcasts.changed(Set.of("stream:a"));
    assertThat(tick()).isEqualTo(Map.of("stream:a", 5));
    assertThat(tick()).as("nothing changed since").isEmpty();
  }

  @Test
  void aCountBackWhereItWasIsNotToldAgain() {
    totals.put("stream:a", 2);
    totals.put("stream:b", 3);
    broadcasts.changed(Set.of("stream:a", "stream:b"));
    tick();
    totals.put("stream:b", 4);
    broadcasts.changed(Set.of("stream:a", "stream:b"));
    assertThat(tick()).isEqualTo(Map.of("stream:b", 4));
  }

  @Test
  void zeroIsToldOnceAndThenTheChannelIsForgotten() {
    totals.put("stream:a", 2);
    broadcasts.changed(Set.of("stream:a"));
    tick();
    totals.put("stream:a", 0);
    broadcasts.changed(Set.of("stream:a"));
    assertThat(tick()).isEqualTo(Map.of("stream:a", 0));
    broadcasts.changed(Set.of("stream:a"));
    assertThat(tick()).as("forgotten, so told again like any first count").isEqualTo(Map.of("stream:a", 0));
  }

  private Map<String, Integer> tick() {
    return broadcasts.tick(channel -> totals.getOrDefault(channel, 0));
  }
}
