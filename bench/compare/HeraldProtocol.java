import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Herald's event-bus bridge on the raw WebSocket at /eventbus/websocket, or (--herald-transport
 * sockjs) on SockJS's websocket transport as browsers on the official client use it, each bridge
 * frame wrapped in SockJS's framing ({@code a["..."]} from Herald, {@code ["..."]} to it): one {@code register} with a
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
  private final boolean sockJs;

  HeraldProtocol(String run, String apiKey, Jwt jwt, boolean sockJs) {
    this.run = run;
    this.apiKey = apiKey;
    this.jwt = jwt;
    this.sockJs = sockJs;
  }

  String transport() {
    return sockJs ? "sockjs-websocket" : "raw-websocket";
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
    // SockJS's path: a server id and a session id of the client's choosing
    String path = sockJs ? "/eventbus/0/" + UUID.randomUUID().toString().replace("-", "") + "/websocket" : "/eventbus/websocket";
    if (user == null) {
      return path;
    }
    if (jwt == null) {
      throw new IllegalStateException("user channels on Herald need --jwt-secret");
    }
    return path + "?token=" + jwt.sign(user(user));
  }

  private void send(Conn conn, String frame) {
    conn.send(sockJs ? "[" + Frames.quote(frame) + "]" : frame);
  }

  @Override
  public void opened(Conn conn) {
    for (int i = 0; i < conn.channels.size(); i++) {
      String resume = conn.since >= 0 ? ",\"headers\":{\"since\":" + conn.since + "}" : "";
      send(conn, "{\"type\":\"register\",\"address\":" + Frames.quote(conn.channels.get(i)) + ",\"replyAddress\":\"ack-" + i
          + "\"" + resume + "}");
    }
  }

  @Override
  public void frame(Conn conn, Buffer frame) {
    if (sockJs) {
      if (frame.length() == 0 || frame.getByte(0) != 'a') {
        return; // o (open), h (heartbeat); c[...] is followed by the close itself
      }
      frame = Frames.unquoteSockJs(frame); // Herald sends one message per a["..."] frame
    }
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
    send(conn, "{\"type\":\"ping\"}");
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
