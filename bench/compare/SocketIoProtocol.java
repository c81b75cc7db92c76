import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Socket.IO 4 (Engine.IO v4) over a plain WebSocket: the server opens with {@code 0{...}}, the
 * client connects to the default namespace with {@code 40}, the server confirms with
 * {@code 40{...}}; then one {@code join} event per room with an ack id ({@code 42<id>["join",room]},
 * answered {@code 43<id>[true]}). Events arrive as {@code 42["b",data]}. The server pings with
 * {@code 2} every pingInterval and drops a client that does not answer {@code 3}. Publishes go to
 * the peer's POST /publish (bench/peers/socketio/server.js).
 */
final class SocketIoProtocol implements Protocol {

  private static final byte[] EVENT = Frames.ascii("42");
  private static final byte[] ACK = Frames.ascii("43");
  private static final byte[] OPEN = Frames.ascii("0{");
  private static final byte[] CONNECTED = Frames.ascii("40");
  private static final byte[] CONNECT_ERROR = Frames.ascii("44");

  @Override
  public String path(List<String> channels, String user) {
    return "/socket.io/?EIO=4&transport=websocket";
  }

  @Override
  public void opened(Conn conn) {
    // the server speaks first (the Engine.IO open packet)
  }

  @Override
  public void frame(Conn conn, Buffer frame) {
    if (frame.length() == 1 && frame.getByte(0) == '2') {
      conn.send("3");
    } else if (Frames.startsWith(frame, EVENT)) {
      conn.delivered(Frames.sentAt(frame), frame);
    } else if (Frames.startsWith(frame, ACK)) {
      conn.acked();
    } else if (Frames.startsWith(frame, OPEN)) {
      conn.send("40");
    } else if (Frames.startsWith(frame, CONNECTED)) {
      for (int i = 0; i < conn.channels.size(); i++) {
        conn.send("42" + i + "[\"join\"," + Frames.quote(conn.channels.get(i)) + "]");
      }
    } else if (Frames.startsWith(frame, CONNECT_ERROR) || (frame.length() > 0 && frame.getByte(0) == '1')) {
      conn.failed(frame.toString());
    }
  }

  @Override
  public Post publish(List<Pub> pubs) {
    return new Post("/publish", pubs.stream()
        .map(p -> "{\"room\":" + Frames.quote(p.channel()) + ",\"event\":\"b\",\"data\":" + p.data() + "}")
        .collect(Collectors.joining(",", "[", "]")), null);
  }
}
