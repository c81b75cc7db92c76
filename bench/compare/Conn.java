import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import java.util.List;

/** One subscriber WebSocket of the generator. Lives on one event loop; its protocol drives it. */
final class Conn {

  final List<String> channels;
  final Recorder recorder;
  final Promise<Void> subscribed = Promise.promise();
  WebSocket ws;
  /** Resume point for protocols that have one (Herald: headers.since on register); -1 for none. */
  long since = -1;
  /** Per-event bookkeeping of the reconnect storm (which events arrived, seq continuity); null elsewhere. */
  DeliveryLog log;
  private int acks;
  private boolean closing;

  Conn(List<String> channels, Recorder recorder) {
    this.channels = channels;
    this.recorder = recorder;
  }

  void send(String text) {
    ws.writeTextMessage(text);
  }

  /** One of the channels is subscribed; the connection is ready once all are. */
  void acked() {
    if (++acks == channels.size()) {
      subscribed.tryComplete();
    }
  }

  void delivered(long sentAt, Buffer frame) {
    recorder.delivery(sentAt);
    if (log != null) {
      log.delivered(sentAt, frame);
    }
  }

  void failed(String why) {
    if (closing) {
      return;
    }
    recorder.error(why);
    subscribed.tryFail(why);
  }

  void close() {
    closing = true;
    if (ws != null && !ws.isClosed()) {
      ws.close();
    }
  }
}
