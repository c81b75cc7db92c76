import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * How the generator speaks to one kind of server: the WebSocket to open, the handshake and
 * subscriptions on it, which incoming frames are deliveries, and the HTTP request that publishes.
 * One implementation per server kind (Herald's bridge on a raw WebSocket, Socket.IO, the raw peer).
 */
interface Protocol {

  /** A publish: the channel (room) and the event's data, a small JSON object. */
  record Pub(String channel, String data) {
  }

  /** An HTTP POST that publishes a batch; apiKey (or null) goes in X-Api-Key. */
  record Post(String path, String body, String apiKey) {
  }

  /** Path and query of the WebSocket URL for a connection subscribing to these channels as user (or null). */
  String path(List<String> channels, String user);

  /** The WebSocket is open: send what the protocol needs to subscribe to conn's channels. */
  void opened(Conn conn);

  /** One text frame from the server: a delivery, an ack, a ping to answer, or an error. */
  void frame(Conn conn, Buffer frame);

  /** Called every ~10 s on each open connection (protocols whose server drops silent clients). */
  default void keepalive(Conn conn) {
  }

  /** The POST that publishes these events (one or many). */
  Post publish(List<Pub> pubs);

  /** The channel name this server uses for a logical channel ("fanout-1", "user:7", ...). */
  default String channel(String logical) {
    return logical;
  }
}
