package dev.herald.bridge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written by hand on a plain {@link Socket}: it sends the handshake headers a
 * test gives (an Origin, forwarded headers) and reads only when told, so it can stand for a client
 * that never reads. Frames it sends are masked, as a client's must be.
 */
final class HandWrittenSocket implements AutoCloseable {

  /** A frame from the server: its opcode and payload. */
  record Frame(int opcode, byte[] payload) {
    static final int TEXT = 1;
    static final int CLOSE = 8;

    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status of a close frame (0 when it carries none). */
    int closeStatus() {
      return payload.length < 2 ? 0 : (payload[0] & 0xff) << 8 | payload[1] & 0xff;
    }
  }

  /** What a read to the end found: the frames, and whether the connection ended (EOF, reset or a close frame). */
  record Ending(List<Frame> frames, boolean ended) {
    /** The status of the server's close frame; 0 when none came. */
    int closeStatus() {
      return frames.stream().filter(f -> f.opcode() == Frame.CLOSE).mapToInt(Frame::closeStatus).findFirst().orElse(0);
    }

    long texts() {
      return frames.stream().filter(f -> f.opcode() == Frame.TEXT).count();
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  /** The status line and headers of the handshake response. */
  final String responseHead;

  private HandWrittenSocket(Socket socket, String responseHead) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.responseHead = responseHead;
  }

  /**
   * Connects and sends an upgrade request for the path with the extra headers (name, value pairs);
   * {@code receiveBuffer} bytes of TCP receive window (small: the server's side fills soon).
   */
  static HandWrittenSocket open(int port, String path, int receiveBuffer, String... headers) {
    try {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(receiveBuffer);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\n")
          .append("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")
          .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout(15_000);
      return new HandWrittenSocket(socket, readHead(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The response's status code. */
  int status() {
    return Integer.parseInt(responseHead.substring(9, 12));
  }

  /** The value of a response header (case-insensitive name), or null. */
  String header(String name) {
    for (String line : responseHead.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** The body of a response that is no upgrade (by its Content-Length). */
  String body() throws IOException {
    String length = header("Content-Length");
    return length == null ? "" : new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
  }

  /** Sends one text message as a single masked frame; blocks while the server does not read. */
  void sendText(String text) throws IOException {
    out.write(frame(text));
  }

  /** Sends several text messages in one write (one TCP segment where they fit). */
  void sendTexts(List<String> texts) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (String text : texts) {
      all.write(frame(text));
    }
    out.write(all.toByteArray());
  }

  /** Reads frames until the server's close frame, the end of the stream or a reset, or until the timeout. */
  Ending readToEnd(Duration timeout) {
    List<Frame> frames = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
        Frame frame = readFrame();
        frames.add(frame);
        if (frame.opcode() == Frame.CLOSE) {
          return new Ending(frames, true);
        }
      }
    } catch (SocketTimeoutException e) {
      return new Ending(frames, false);
    } catch (EOFException | SocketException e) {
      return new Ending(frames, true); // the server closed the connection (maybe with a reset)
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  private static byte[] frame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65_536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >> shift));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    return frame.toByteArray();
  }

  /** Reads the response's status line and headers, up to the blank line, byte by byte (nothing after it). */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the server closed the connection during the handshake: " + head);
      }
      head.write(b);
      matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a socket the test is done with
    }
  }
}
