package dev.herald.bridge;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.module.BridgeSession;
import dev.herald.module.SocketListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caps on the sockets open on this node per client address and per user (token subject); 0 is no
 * cap, the default, as load tests and proxies put thousands of sockets behind one address. An
 * address counts from the handshake to the close; a user from when a socket's identity names it
 * (the URL token verified, or herald.auth) until the socket closes or changes user. Nothing is
 * kept while both caps are off.
 */
final class ConnectionCaps implements SocketListener {

  /** Clients are told to come back after this long: sockets close at times nobody can tell. */
  private static final long RETRY_SECONDS = 10;

  private final int perIp;
  private final int perUser;
  private final Map<String, Integer> byIp = new ConcurrentHashMap<>();
  private final Map<String, Integer> byUser = new ConcurrentHashMap<>();
  /** What each open socket is counted under. */
  private final Map<BridgeSession, Counted> sockets = new ConcurrentHashMap<>();

  /** A socket's address (when counted) and user (when counted); guarded by itself. */
  private static final class Counted {
    String ip;
    String user;
  }

  ConnectionCaps(int perIp, int perUser) {
    this.perIp = perIp;
    this.perUser = perUser;
  }

  /** At a handshake: counts the address, or refuses it with a 429 when it is at its cap. */
  void admit(String ip) {
    if (perIp > 0 && !increment(byIp, ip, perIp)) {
      throw HeraldException.rateLimited("too_many_connections",
          ip + " has " + perIp + " sockets open on this node, the most allowed; retry in " + RETRY_SECONDS + " s", RETRY_SECONDS);
    }
  }

  /** A handshake admitted by {@link #admit} failed: the address is no longer counted for it. */
  void release(String ip) {
    if (perIp > 0) {
      decrement(byIp, ip);
    }
  }

  /** The admitted handshake is a socket now: its address stays counted until it closes. */
  void opened(BridgeSession socket, String ip) {
    if (perIp > 0) {
      sockets.computeIfAbsent(socket, s -> new Counted()).ip = ip;
    }
  }

  @Override
  public void identityChanged(BridgeSession socket, Identity before, Identity after) {
    if (perUser == 0) {
      return;
    }
    String user = after.isServer() ? null : after.subject();
    Counted counted = sockets.computeIfAbsent(socket, s -> new Counted());
    boolean refused = false;
    synchronized (counted) {
      if (user != null && user.equals(counted.user)) {
        return;
      }
      if (counted.user != null) {
        decrement(byUser, counted.user);
        counted.user = null;
      }
      if (user != null) {
        if (increment(byUser, user, perUser)) {
          counted.user = user;
        } else {
          refused = true;
        }
      }
      if (counted.ip == null && counted.user == null) {
        sockets.remove(socket);
      }
    }
    if (refused) {
      ((BridgeSocket) socket).refuse(new HeraldException(429, "too_many_connections",
          "user " + user + " has " + perUser + " sockets open on this node, the most allowed"));
    }
  }

  @Override
  public void closed(BridgeSession socket) {
    Counted counted = sockets.remove(socket);
    if (counted != null) {
      synchronized (counted) {
        if (counted.ip != null) {
          decrement(byIp, counted.ip);
        }
        if (counted.user != null) {
          decrement(byUser, counted.user);
        }
      }
    }
  }

  /** Adds one under the key if that keeps it within the cap. */
  private static boolean increment(Map<String, Integer> counts, String key, int cap) {
    boolean[] added = new boolean[1];
    counts.compute(key, (k, n) -> {
      int now = n == null ? 0 : n;
      added[0] = now < cap;
      return added[0] ? now + 1 : now;
    });
    return added[0];
  }

  private static void decrement(Map<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
  }
}
