package dev.herald.hub;

import dev.herald.core.HeraldException;
import dev.herald.wire.EncodedFrame;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A subscriber without a socket: it keeps the frames the hub writes to it, in order, and never lags. */
final class RecordingSubscriber implements Subscriber {

  private final List<EncodedFrame> frames = new ArrayList<>();

  @Override
  public Context context() {
    return null;
  }

  @Override
  public synchronized void write(EncodedFrame frame) {
    frames.add(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void whenDrained(Runnable action) {
    action.run();
  }

  @Override
  public void subscriptionFailed(String channel, HeraldException error) {
    throw new AssertionError(error);
  }

  synchronized List<EncodedFrame> frames() {
    return List.copyOf(frames);
  }

  synchronized int count() {
    return frames.size();
  }

  /** Each envelope as "seq" for an event and "truncated:firstSeq" for a history.truncated one. */
  List<String> received() {
    return frames().stream().map(f -> {
      JsonObject body = new JsonObject(f.text()).getJsonObject("body");
      return body.containsKey("seq") ? String.valueOf(body.getLong("seq"))
          : body.getString("type").replace("history.", "") + ":" + body.getJsonObject("data").getLong("firstSeq");
    }).toList();
  }

  String last() {
    List<String> all = received();
    return all.get(all.size() - 1);
  }

  List<Long> seqs() {
    return frames().stream().map(f -> new JsonObject(f.text()).getJsonObject("body").getLong("seq")).toList();
  }
}
