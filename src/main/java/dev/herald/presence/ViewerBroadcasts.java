package dev.herald.presence;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * When subscribers are told a channel's viewer count: at most once per tick, and only when the
 * cluster-wide count differs from the last one told. Counts churn with every subscribe and
 * unsubscribe on every node; subscribers only need where they settle.
 */
final class ViewerBroadcasts {

  private final Set<String> dirty = new HashSet<>();
  /** The last count told per channel; a channel back at zero is forgotten once told. */
  private final Map<String, Integer> told = new HashMap<>();

  /** The channels' counts may have changed. */
  void changed(Set<String> channels) {
    dirty.addAll(channels);
  }

  /** The counts to tell now, given the current totals; called once per tick. */
  Map<String, Integer> tick(ToIntFunction<String> totals) {
    Map<String, Integer> due = new LinkedHashMap<>();
    for (String channel : dirty) {
      int count = totals.applyAsInt(channel);
      Integer sent = told.get(channel);
      if (sent == null || sent != count) {
        due.put(channel, count);
      }
      if (count == 0) {
        told.remove(channel);
      } else {
        told.put(channel, count);
      }
    }
    dirty.clear();
    return due;
  }
}
