package dev.herald.documents;

import dev.herald.core.OnContext;
import dev.herald.hub.Subscriber;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames for sockets, written from the event loops that own them: one task per loop for a batch
 * (what one change means for every query on the node), not one hop between threads per socket. A
 * context runs its tasks in order, so each socket still gets its frames in the order they were
 * added. Used on the {@link LiveQueries} context only.
 */
final class SocketWrites {

  // a node has a handful of event loops: a linear scan beats hashing
  private final List<Context> contexts = new ArrayList<>();
  private final List<List<Subscriber>> sockets = new ArrayList<>();
  private final List<List<EncodedFrame>> frames = new ArrayList<>();

  void add(Subscriber socket, EncodedFrame frame) {
    int i = contexts.indexOf(socket.context());
    if (i < 0) {
      i = contexts.size();
      contexts.add(socket.context());
      sockets.add(new ArrayList<>());
      frames.add(new ArrayList<>());
    }
    sockets.get(i).add(socket);
    frames.get(i).add(frame);
  }

  /** Writes everything added since the last flush. */
  void flush() {
    for (int i = 0; i < contexts.size(); i++) {
      List<Subscriber> to = sockets.get(i);
      List<EncodedFrame> what = frames.get(i);
      OnContext.run(contexts.get(i), () -> {
        for (int j = 0; j < to.size(); j++) {
          to.get(j).write(what.get(j));
        }
      });
    }
    contexts.clear();
    sockets.clear();
    frames.clear();
  }
}
