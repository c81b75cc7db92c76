import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a scenario gets: the event loops, the servers under test (or, for the scenarios that need
 * fresh or restarted processes, the means to start them and each kind's protocol), the run's size,
 * and JIT warm-up state.
 */
final class Bench {

  final Loops loops;
  final Map<String, Target> targets;
  final Servers servers;
  /** The kinds of server the memory and storm scenarios start, in order, with their protocols. */
  final Map<Servers.Kind, Protocol> protocols;
  final boolean quick;
  private final Set<String> warmed = new HashSet<>();

  Bench(Loops loops, Map<String, Target> targets, Servers servers, Map<Servers.Kind, Protocol> protocols, boolean quick) {
    this.loops = loops;
    this.targets = targets;
    this.servers = servers;
    this.protocols = protocols;
    this.quick = quick;
  }

  /** One measurement of a kind of server, or what went wrong with it: a failure costs that row, not the run. */
  static JsonObject orError(Servers.Kind kind, java.util.concurrent.Callable<JsonObject> measurement) {
    try {
      return measurement.call();
    } catch (Exception e) {
      Log.info("  " + kind.name().toLowerCase() + " failed: " + e);
      return new JsonObject().put("target", kind.name().toLowerCase()).put("error", String.valueOf(e));
    }
  }

  /** A server the generator started, as a target: its protocol, its port, its process. */
  Target target(Servers.Server s) {
    return new Target(s.kind.name().toLowerCase(), protocols.get(s.kind), List.of(s.port), s.port,
        List.of(new Cpu.Proc(s.kind == Servers.Kind.SOCKETIO ? "node" : "jvm", s.pid(), false, false)));
  }

  /** The single-process servers, in the order they are measured: Herald, Socket.IO, the raw ceiling. */
  List<Target> singleNode() {
    Map<String, Target> m = new LinkedHashMap<>();
    for (String name : List.of("herald", "socketio", "raw")) {
      if (targets.containsKey(name)) {
        m.put(name, targets.get(name));
      }
    }
    return List.copyOf(m.values());
  }

  double measureS() {
    return quick ? 5 : 10;
  }

  /**
   * Minimum warm-up before a window: the first window of a server process (or of a load, as
   * "channels herald") is preceded by a long one, so that the JIT has compiled its path (Node's
   * too); later ones only settle the new load. A JVM's warm-up also lasts until its compiler
   * threads go quiet (Session.measure).
   */
  double warmupS(String process) {
    return warmed.add(process) ? (quick ? 6 : 15) : (quick ? 2 : 3);
  }
}
