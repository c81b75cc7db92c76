import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a scenario gets: the event loops, the servers under test, the run's size, and JIT warm-up state. */
final class Bench {

  final Loops loops;
  final Map<String, Target> targets;
  final boolean quick;
  private final Set<String> warmed = new HashSet<>();

  Bench(Loops loops, Map<String, Target> targets, boolean quick) {
    this.loops = loops;
    this.targets = targets;
    this.quick = quick;
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
   * Warm-up before a window: the first window of a server process is preceded by a long one, so
   * that the JIT has compiled its delivery path (Node's too); later ones only settle the new load.
   */
  double warmupS(String process) {
    return warmed.add(process) ? (quick ? 6 : 15) : (quick ? 2 : 3);
  }
}
