package dev.herald.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of one group commit, sorted out before anything is written: which are fresh, and what
 * each caller is told. The first mention of a new event is "created", a repeat of a client id (in
 * this group or already stored) is a duplicate. Only client-given ids can repeat: Herald's own are
 * random UUIDs. Pure, so the rules are tested without a database.
 */
final class AppendGroup {

  private final List<NewEvent> all;
  private final Map<String, Event> stored = new HashMap<>();
  private final List<NewEvent> fresh = new ArrayList<>();
  /** Per event of the group: its index in fresh, or -1 when it is already stored. */
  private final int[] slot;
  private final boolean[] repeat;

  /** {@code stored}: the events already in the journal under one of the group's client-given ids. */
  AppendGroup(List<NewEvent> all, List<Event> stored) {
    this.all = all;
    for (Event e : stored) {
      this.stored.put(key(e.channel(), e.id()), e);
    }
    slot = new int[all.size()];
    repeat = new boolean[all.size()];
    Map<String, Integer> firstMention = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      NewEvent e = all.get(i);
      String k = e.clientId() ? key(e.channel(), e.id()) : null;
      Integer first = k == null ? null : firstMention.get(k);
      if (k != null && this.stored.containsKey(k)) {
        slot[i] = -1;
      } else if (first != null) {
        slot[i] = first;
        repeat[i] = true;
      } else {
        slot[i] = fresh.size();
        fresh.add(e);
        if (k != null) {
          firstMention.put(k, slot[i]);
        }
      }
    }
  }

  /** Where each of {@link #fresh} is in the group. */
  int[] freshIndexes() {
    int[] indexes = new int[fresh.size()];
    for (int i = all.size() - 1; i >= 0; i--) {
      if (slot[i] >= 0 && !repeat[i]) {
        indexes[slot[i]] = i;
      }
    }
    return indexes;
  }

  /** The events to store, in the group's order, each once. */
  List<NewEvent> fresh() {
    return fresh;
  }

  /** The results in the callers' order, given the stored fresh events (in fresh's order). */
  List<Appended> results(List<Event> created) {
    List<Appended> results = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      NewEvent e = all.get(i);
      results.add(slot[i] < 0 ? new Appended(stored.get(key(e.channel(), e.id())), true)
          : new Appended(created.get(slot[i]), repeat[i]));
    }
    return results;
  }

  private static String key(String channel, String id) {
    return channel + '\u0000' + id;
  }
}
