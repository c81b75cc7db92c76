package dev.herald.journal;

import java.util.ArrayList;
import java.util.List;

/**
 * Events the commit hooks have checked, each with what every hook read of it (null for a hook it
 * does not concern). The readings travel with the events into the transaction, so a hook decodes
 * and evaluates an event once, before it is queued, and not again while the transaction holds its
 * locks.
 */
public final class CheckedEvents {

  private final List<NewEvent> events;
  /** Per event, one reading per hook, in the journal's hook order. */
  private final List<Object[]> readings;

  CheckedEvents(List<NewEvent> events, List<Object[]> readings) {
    this.events = events;
    this.readings = readings;
  }

  /** These events and then those, as one list: the changes of several units of work committing together. */
  public static CheckedEvents join(List<CheckedEvents> parts) {
    List<NewEvent> events = new ArrayList<>();
    List<Object[]> readings = new ArrayList<>();
    for (CheckedEvents p : parts) {
      events.addAll(p.events);
      readings.addAll(p.readings);
    }
    return new CheckedEvents(events, readings);
  }

  List<NewEvent> events() {
    return events;
  }

  List<Object[]> readings() {
    return readings;
  }

  /** The readings of these events, in the order given (an event may be picked more than once, or not at all). */
  List<Object[]> readingsOf(int[] indexes) {
    List<Object[]> picked = new ArrayList<>(indexes.length);
    for (int i : indexes) {
      picked.add(readings.get(i));
    }
    return picked;
  }
}
