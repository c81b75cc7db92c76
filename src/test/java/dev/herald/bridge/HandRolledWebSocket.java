package dev.herald.bridge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * A WebSocket client written by hand over a plain TCP socket, for request lines no HTTP client
 * library will send (they parse the URI first: {@code ?token=%zz} is not one). Speaks the bridge's
 * frames on the raw endpoint or SockJS's websocket transport; small text frames only.
 */
final class HandRolledWebSocket implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final boolean sockJs;
  /** Bridge frames of the last SockJS message not yet taken (one message may carry several). */
  private JsonArray batch = new JsonArray();

  HandRolledWebSocket(int port, String pathAndQuery, boolean sockJs) throws IOException {
    this.sockJs = sockJs;
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    String status = readHead();
    if (!status.startsWith("HTTP/1.1 101")) {
      throw new IOException("no upgrade: " + status);
    }
  }

  /** Sends one bridge frame (in SockJS's framing on that transport), masked with a zero key. */
  void send(JsonObject frame) throws IOException {
    String text = sockJs ? new JsonArray().add(frame.encode()).encode() : frame.encode();
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(0x81);
    if (payload.length < 126) {
      bytes.write(0x80 | payload.length);
    } else {
      bytes.write(0x80 | 126);
      bytes.write(payload.length >> 8);
      bytes.write(payload.length & 0xff);
    }
    bytes.write(new byte[4]); // mask key 0: the payload goes as it is
    bytes.write(payload);
    out.write(bytes.toByteArray());
  }

  /** The next bridge frame that matches, skipping the others (and SockJS's own o and h frames). */
  JsonObject next(Predicate<JsonObject> wanted) throws IOException {
    while (true) {
      JsonObject frame = nextFrame();
      if (wanted.test(frame)) {
        return frame;
      }
    }
  }

  private JsonObject nextFrame() throws IOException {
    while (batch.isEmpty()) {
      String text = readMessage();
      if (!sockJs) {
        return new JsonObject(text);
      }
      if (text.startsWith("a")) {
        batch = new JsonArray(text.substring(1));
      }
    }
    return new JsonObject((String) batch.remove(0));
  }

  private String readMessage() throws IOException {
    int opcode = in.readUnsignedByte() & 0x0f;
    int length = in.readUnsignedByte() & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = Math.toIntExact(in.readLong());
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    if (opcode == 0x8) {
      throw new IOException("the server closed the socket");
    }
    return new String(payload, StandardCharsets.UTF_8);
  }

  private String readHead() throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    return head.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
