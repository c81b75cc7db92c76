package dev.herald.presence;

import dev.herald.presence.Replica.Entry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a change to presence means beyond the state itself, for the verticle to act on: the events
 * this node's subscribers must be told, in order; the channels whose cluster-wide viewer count may
 * have moved (told at the next tick); and, when this node's own replica changed, the entries as
 * written (the next delta carries the latest of each) and the typing flags that ended (their expiry
 * is moot).
 */
record Changes(List<PresenceEvent> events, Set<String> viewerChannels, Map<Key, Entry> written, Set<Key> typingEnded) {

  static final Changes NONE = new Changes(List.of(), Set.of(), Map.of(), Set.of());

  /** Another node's entries or viewer counts changed. */
  static Changes remote(List<PresenceEvent> events, Set<String> viewerChannels) {
    return new Changes(List.copyOf(events), Set.copyOf(viewerChannels), Map.of(), Set.of());
  }

  /** This node's entry for the key was written. */
  static Changes written(Key key, Entry entry, List<PresenceEvent> events) {
    return new Changes(List.copyOf(events), Set.of(), Map.of(key, entry), Set.of());
  }

  /** This node's viewer count on the channel changed. */
  static Changes viewers(String channel) {
    return new Changes(List.of(), Set.of(channel), Map.of(), Set.of());
  }

  /** This node's typing flag for the key ended. */
  static Changes typingEnded(Key key) {
    return new Changes(List.of(), Set.of(), Map.of(), Set.of(key));
  }

  /** This change followed by {@code next}: events in order, each entry as last written, in order of first write. */
  Changes plus(Changes next) {
    if (next == NONE) {
      return this;
    }
    if (this == NONE) {
      return next;
    }
    List<PresenceEvent> allEvents = new ArrayList<>(events);
    allEvents.addAll(next.events);
    return new Changes(Collections.unmodifiableList(allEvents), union(viewerChannels, next.viewerChannels),
        latest(written, next.written), union(typingEnded, next.typingEnded));
  }

  private static Map<Key, Entry> latest(Map<Key, Entry> first, Map<Key, Entry> second) {
    Map<Key, Entry> all = new LinkedHashMap<>(first);
    all.putAll(second);
    return Collections.unmodifiableMap(all);
  }

  private static <T> Set<T> union(Set<T> first, Set<T> second) {
    Set<T> all = new LinkedHashSet<>(first);
    all.addAll(second);
    return Collections.unmodifiableSet(all);
  }
}
