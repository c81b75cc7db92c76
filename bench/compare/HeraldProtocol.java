import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Herald's event-bus bridge on the raw WebSocket at /eventbus/websocket: one {@code register} with a
 * replyAddress per channel (Herald acks once live delivery is set up; after a reconnect it carries
 * headers.since, the last seq the connection saw, and Herald replays what came after), deliveries are
 * {@code rec} frames whose body is the event envelope, a {@code ping} every 10 s. Publishes go to
 * the REST API with the API key. Logical channels map to fresh names of this run: {@code market:}
 * (anyone may subscribe) for shared ones, {@code user:{id}} with a JWT whose sub is id.
 */
final class HeraldProtocol implements Protocol {

  private static final byte[] ACK = Frames.ascii("\"subscribed\":true");
  private static final byte[] ERR = Frames.ascii("{\"type\":\"err\"");

  private final String run;
  private final String apiKey;
  private final Jwt jwt;

  HeraldProtocol(String run, String apiKey, Jwt jwt) {
    this.run = run;
    this.apiKey = apiKey;
    this.jwt = jwt;
  }

  @Override
  public String channel(String logical) {
    return logical.startsWith("user:") ? "user:" + user(logical.substring(5)) : "market:" + run + "-" + logical;
  }

  private String user(String id) {
    return run + "u" + id;
  }

  @Override
  public String path(List<String> channels, String user) {
    if (user == null) {
      return "/eventbus/websocket";
    }
    if (jwt == null) {
      throw new IllegalStateException("user channels on Herald need --jwt-secret");
    }
    return "/eventbus/websocket?token=" + jwt.sign(user(user));
  }

  @Override
  public void opened(Conn conn) {
    for (int i = 0; i < conn.channels.size(); i++) {
      String resume = conn.since >= 0 ? ",\"headers\":{\"since\":" + conn.since + "}" : "";
      conn.send("{\"type\":\"register\",\"address\":" + Frames.quote(conn.channels.get(i)) + ",\"replyAddress\":\"ack-" + i
          + "\"" + resume + "}");
    }
  }

  @Override
  public void frame(Conn conn, Buffer frame) {
    long sentAt = Frames.sentAt(frame);
    if (sentAt >= 0) {
      conn.delivered(sentAt, frame);
    } else if (Frames.contains(frame, ACK)) {
      conn.acked();
    } else if (Frames.startsWith(frame, ERR)) {
      conn.failed(frame.toString());
    }
  }

  @Override
  public void keepalive(Conn conn) {
    conn.send("{\"type\":\"ping\"}");
  }

  @Override
  public Post publish(List<Pub> pubs) {
    if (pubs.size() == 1) {
      Pub p = pubs.get(0);
      return new Post("/api/v1/channels/" + p.channel() + "/events", "{\"type\":\"b\",\"data\":" + p.data() + "}", apiKey);
    }
    return new Post("/api/v1/events", pubs.stream()
        .map(p -> "{\"channel\":" + Frames.quote(p.channel()) + ",\"type\":\"b\",\"data\":" + p.data() + "}")
        .collect(Collectors.joining(",", "[", "]")), apiKey);
  }
}
