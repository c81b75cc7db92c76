package dev.herald.presence;

import dev.herald.presence.Replica.Entry;
import java.util.Map;

/**
 * One node's changes since its previous delta: the latest state of each changed entry (an empty one
 * when it went away) and of each changed viewer count, not operations, so applying one twice is
 * harmless. {@code version} is the previous delta's plus one: a receiver seeing otherwise missed one.
 */
record Delta(String node, long version, Map<Key, Entry> entries, Map<String, Integer> viewers) {
}
