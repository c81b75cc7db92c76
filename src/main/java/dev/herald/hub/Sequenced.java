package dev.herald.hub;

import dev.herald.journal.Event;
import dev.herald.wire.EncodedFrame;
import dev.herald.wire.Frames;
import java.util.ArrayList;
import java.util.List;

/** A frame and its seq in its channel. */
record Sequenced<F>(long seq, F frame) {

  /** Stored events as the frames that deliver them (each encoded once, whoever it goes to). */
  static List<Sequenced<EncodedFrame>> deliveries(List<Event> events) {
    List<Sequenced<EncodedFrame>> frames = new ArrayList<>(events.size());
    for (Event e : events) {
      frames.add(new Sequenced<>(e.seq(), EncodedFrame.ofText(Frames.delivery(e))));
    }
    return frames;
  }
}
