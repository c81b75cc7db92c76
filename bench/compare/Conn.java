import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import java.util.List;

/** One subscriber WebSocket of the generator. Lives on one event loop; its protocol drives it. */
final class Conn {

  final List<String> channels;
  final Recorder recorder;
  final Promise<Void> subscribed = Promise.promise();
  WebSocket ws;
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

  void delivered(long sentAt) {
    recorder.delivery(sentAt);
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
