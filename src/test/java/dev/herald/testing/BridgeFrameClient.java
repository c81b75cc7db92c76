package dev.herald.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What a test does with Herald's event-bus bridge, whatever the transport under it: send frames,
 * subscribe, and wait for the frames that came back. Subclasses carry the frames (a WebSocket,
 * SockJS's xhr-streaming) and queue each one received with {@link #received}.
 */
public abstract class BridgeFrameClient implements AutoCloseable {

  /** Clients run on their own Vert.x, like browsers: they outlive any node they talk to. */
  static final Vertx CLIENTS = Vertx.vertx();

  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

  /** Sends one bridge frame. */
  public abstract void sendRaw(String text);

  /** Stops reading what Herald sends, like a browser tab frozen in the background. */
  public abstract void pause();

  public abstract void resume();

  @Override
  public abstract void close();

  /** Queues a frame Herald sent, for the waits below; any thread. */
  protected void received(JsonObject frame) {
    synchronized (frames) {
      frames.add(frame);
      frames.notifyAll();
    }
  }

  public void register(String channel) {
    register(channel, new JsonObject());
  }

  public void register(String channel, JsonObject headers) {
    sendRaw(new JsonObject().put("type", "register").put("address", channel).put("headers", headers).encode());
  }

  /** Registers with a replyAddress and waits for Herald's ack: after it, published events arrive. */
  public void subscribe(String channel) {
    subscribe(channel, new JsonObject());
  }

  public void subscribe(String channel, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    sendRaw(new JsonObject().put("type", "register").put("address", channel).put("headers", headers)
        .put("replyAddress", replyAddress).encode());
    JsonObject ack = next(f -> replyAddress.equals(f.getString("address"))
        || ("err".equals(f.getString("type")) && channel.equals(f.getString("address"))), Duration.ofSeconds(15));
    if (!"rec".equals(ack.getString("type"))) {
      throw new AssertionError("subscribe to " + channel + " failed: " + ack.encode());
    }
  }

  public void unregister(String channel) {
    sendRaw(new JsonObject().put("type", "unregister").put("address", channel).encode());
  }

  /** Sends to a service with a fresh replyAddress and returns the reply (rec or err frame). */
  public JsonObject request(String address, JsonObject body) {
    return request(address, body, new JsonObject());
  }

  public JsonObject request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    sendRaw(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
        .put("headers", headers).put("body", body).encode());
    return next(f -> replyAddress.equals(f.getString("address")), Duration.ofSeconds(15));
  }

  /** The next frame matching the filter (frames that do not match are kept), or an AssertionError. */
  public JsonObject next(Predicate<JsonObject> filter, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (frames) {
      while (true) {
        for (JsonObject f : frames) {
          if (filter.test(f)) {
            frames.remove(f);
            return f;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching frame within " + timeout + "; have " + frames);
        }
        try {
          frames.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Collects the bodies of the next n durable deliveries (events with a seq) on a channel, in arrival order. */
  public List<JsonObject> deliveries(String channel, int n, Duration timeout) {
    List<JsonObject> bodies = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (bodies.size() < n) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      try {
        bodies.add(next(f -> "rec".equals(f.getString("type")) && channel.equals(f.getString("address"))
            && f.getJsonObject("body").containsKey("seq"), left).getJsonObject("body"));
      } catch (AssertionError e) {
        throw new AssertionError("got " + bodies.size() + " of " + n + " deliveries on " + channel + ": " + bodies, e);
      }
    }
    return bodies;
  }

  /** The next ephemeral event (presence, typing, viewers: no seq) of that type on the channel. */
  public JsonObject ephemeral(String channel, String type, Duration timeout) {
    return next(f -> "rec".equals(f.getString("type")) && channel.equals(f.getString("address"))
        && type.equals(f.getJsonObject("body").getString("type")) && !f.getJsonObject("body").containsKey("seq"), timeout)
        .getJsonObject("body");
  }

  /** Ephemeral events of that type on the channel received so far, taken without waiting. */
  public List<JsonObject> takeEphemeral(String channel, String type) {
    List<JsonObject> taken = new ArrayList<>();
    synchronized (frames) {
      for (JsonObject f : new ArrayList<>(frames)) {
        if ("rec".equals(f.getString("type")) && channel.equals(f.getString("address"))
            && type.equals(f.getJsonObject("body").getString("type")) && !f.getJsonObject("body").containsKey("seq")) {
          frames.remove(f);
          taken.add(f.getJsonObject("body"));
        }
      }
    }
    return taken;
  }

  /** Frames received so far that nobody has taken, without waiting. */
  public List<JsonObject> pending() {
    synchronized (frames) {
      return new ArrayList<>(frames);
    }
  }

}
