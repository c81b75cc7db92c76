package dev.herald.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The slow-socket thresholds on Herald's WebSockets, to the byte of what netty counts as unflushed:
 * slow from {@link Backlog#SLOW_BYTES} on, drained at {@link Backlog#DRAINED_BYTES} or less (the
 * waiting actions run then, each once), and in between neither. A channel whose peer reads nothing
 * until told stands for a stalled client.
 */
class WebSocketBacklogTest {

  /** What netty counts for an outbound message beyond its bytes. */
  static final long ENTRY_OVERHEAD = entryOverhead();

  static Vertx vertx;
  static Context context;

  StalledChannel channel;
  WebSocketConnection socket;
  Backlog backlog;
  AtomicInteger ran = new AtomicInteger();

  /** A channel whose peer takes nothing until told: what the socket writes stays in netty's outbound buffer. */
  static final class StalledChannel extends EmbeddedChannel {
    private ChannelOutboundBuffer outbound;
    private int taking;

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
      outbound = in;
      for (; taking > 0 && in.current() != null; taking--) {
        in.remove();
      }
    }

    /** What netty counts as not flushed yet, entry overhead included. */
    long unflushed() {
      return outbound.totalPendingWriteBytes();
    }

    /** The peer reads the oldest frames. */
    void take(int frames) {
      taking = frames;
      flush();
      taking = 0;
    }

    /** The peer reads everything from now on. */
    void unstall() {
      taking = Integer.MAX_VALUE;
      flush();
    }
  }

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void open() {
    channel = new StalledChannel();
    socket = new RawWebSocketConnection("/eventbus/websocket", context, Duration.ofMinutes(1));
    channel.pipeline().addLast(socket);
    backlog = new Backlog(socket);
    socket.drainHandler(v -> backlog.check()); // as BridgeSocket wires them
  }

  @ParameterizedTest
  @ValueSource(longs = {-1, 0})
  void aSocketIsSlowFromSlowBytesUnflushedOn(long offset) {
    writeCounted(Backlog.SLOW_BYTES + offset);
    assertThat(channel.unflushed()).isEqualTo(Backlog.SLOW_BYTES + offset);
    assertThat(backlog.full()).isEqualTo(offset >= 0);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 0})
  void theWaitingActionRunsOnceBackToDrainedBytes(long aboveDrained) throws Exception {
    writeCounted(Backlog.SLOW_BYTES);
    writeCounted(Backlog.DRAINED_BYTES + aboveDrained); // what stays once the peer read the first frame
    assertThat(backlog.full()).isTrue();
    backlog.whenDrained(ran::incrementAndGet);
    assertThat(ran).hasValue(0);

    channel.take(1);
    assertThat(channel.unflushed()).isEqualTo(Backlog.DRAINED_BYTES + aboveDrained);
    assertThat(backlog.full()).isFalse(); // under SLOW_BYTES: live frames may go again, drained or not
    settle();
    assertThat(ran).hasValue(aboveDrained == 0 ? 1 : 0);

    channel.take(1);
    settle();
    assertThat(ran).hasValue(1);

    // slow and drained once more: the action has run and does not again
    writeCounted(Backlog.SLOW_BYTES);
    assertThat(backlog.full()).isTrue();
    channel.take(1);
    settle();
    assertThat(ran).hasValue(1);
  }

  @Test
  void aSocketThatHasDrainedRunsTheActionAtOnce() {
    writeCounted(Backlog.DRAINED_BYTES);
    backlog.whenDrained(ran::incrementAndGet);
    assertThat(ran).hasValue(1);
  }

  @Test
  void aClosedSocketIsNeitherSlowNorWaitedFor() {
    channel.unstall();
    channel.close(); // its close frame goes out first
    assertThat(channel.isOpen()).isFalse();
    assertThat(backlog.full()).isFalse();
    backlog.whenDrained(ran::incrementAndGet);
    assertThat(ran).hasValue(1);
  }

  /** Writes one frame for this socket that netty counts as exactly this many bytes. */
  private void writeCounted(long bytes) {
    socket.write("x".repeat((int) (bytes - ENTRY_OVERHEAD)));
  }

  /** Measured on a channel of its own: netty's default, unless a system property changed it. */
  private static long entryOverhead() {
    StalledChannel probe = new StalledChannel();
    probe.writeAndFlush(new TextWebSocketFrame("x"));
    return probe.unflushed() - 1;
  }

  /** Waits until what the channel told the socket's context so far has run there. */
  private static void settle() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> done.complete(null));
    done.get(10, TimeUnit.SECONDS);
  }
}
