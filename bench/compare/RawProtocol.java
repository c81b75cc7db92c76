import io.vertx.core.buffer.Buffer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The raw Vert.x broadcaster (bench/peers/raw-vertx): rooms are named on the WebSocket URL, so a
 * socket is subscribed once it is open; every frame is a delivery (the published data itself).
 */
final class RawProtocol implements Protocol {

  @Override
  public String path(List<String> channels, String user) {
    return channels.stream().map(c -> "room=" + URLEncoder.encode(c, StandardCharsets.UTF_8))
        .collect(Collectors.joining("&", "/ws?", ""));
  }

  @Override
  public void opened(Conn conn) {
    conn.channels.forEach(c -> conn.acked());
  }

  @Override
  public void frame(Conn conn, Buffer frame) {
    conn.delivered(Frames.sentAt(frame), frame);
  }

  @Override
  public Post publish(List<Pub> pubs) {
    return new Post("/publish", pubs.stream()
        .map(p -> "{\"room\":" + Frames.quote(p.channel()) + ",\"data\":" + p.data() + "}")
        .collect(Collectors.joining(",", "[", "]")), null);
  }
}
