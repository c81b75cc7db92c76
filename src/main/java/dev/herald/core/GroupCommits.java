package dev.herald.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit for writers whose units would otherwise queue on the same rows one transaction at
 * a time (documents of one collection, webhook deliveries to the same wallets): while groups are in
 * flight, the units that come queue up, and the next group takes them all. A subclass commits a
 * group in one transaction; when PostgreSQL refuses it for one unit's sake, {@link #commitEach}
 * commits them one by one, so only that unit fails.
 *
 * @param <P> a queued unit with the promise of its answer
 */
public abstract class GroupCommits<P> {

  private final int maxGroup;
  private final int groupsInFlight;
  private final ArrayDeque<P> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * {@code groupsInFlight}: with two, one group's statements run while the other's wait on
   * PostgreSQL or the event loop; row locks still order the groups that share rows.
   */
  protected GroupCommits(int maxGroup, int groupsInFlight) {
    this.maxGroup = maxGroup;
    this.groupsInFlight = groupsInFlight;
  }

  /** Queues the unit for the next group. */
  protected final void enqueue(P unit) {
    synchronized (this) {
      queue.add(unit);
    }
    flushNext();
  }

  /** Commits the group, then runs {@code then} (answering the units may come after it). */
  protected abstract void commit(List<P> group, Runnable then);

  /** The units one after the other, each in a transaction of its own, then {@code then}. */
  protected final void commitEach(List<P> group, int i, Runnable then) {
    if (i == group.size()) {
      then.run();
      return;
    }
    commit(List.of(group.get(i)), () -> commitEach(group, i + 1, then));
  }

  /** Starts a group of what is queued, unless as many groups as may be are in flight. */
  private void flushNext() {
    List<P> group = new ArrayList<>();
    synchronized (this) {
      if (inFlight == groupsInFlight || queue.isEmpty()) {
        return;
      }
      inFlight++;
      while (!queue.isEmpty() && group.size() < maxGroup) {
        group.add(queue.poll());
      }
    }
    commit(group, this::settled);
  }

  private void settled() {
    synchronized (this) {
      inFlight--;
    }
    flushNext();
  }
}
