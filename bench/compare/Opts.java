import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line of the generator. Servers are given as key=value lists (the run script starts them):
 * {@code --herald port=P,pid=PID,pgpid=PG} (one node), {@code --cluster ports=P1+P2,pids=A+B,pgpid=PG}
 * (two nodes sharing node 1's PostgreSQL), {@code --socketio port=P,pid=PID}, {@code --raw port=P,pid=PID}.
 * Every server is on 127.0.0.1. A scenario runs against the servers that were given.
 */
final class Opts {

  static final List<String> SCENARIOS = List.of("fanout", "channels", "cluster", "memory", "storm");

  final Map<String, Map<String, String>> servers = new HashMap<>();
  List<String> scenarios = SCENARIOS;
  boolean quick;
  String apiKey;
  String jwtSecret;
  String out;
  String label = "";
  // where the generator finds what it needs to start servers itself (memory, storm)
  String jar;
  String classes;
  String work;
  List<String> kinds = List.of("herald", "socketio", "raw");
  /** How the generator's clients reach Herald: its raw WebSocket, or SockJS's websocket transport. */
  boolean heraldSockJs;

  static Opts parse(String[] args) {
    Opts o = new Opts();
    for (int i = 0; i < args.length; i++) {
      String k = args[i];
      if (k.equals("--quick")) {
        o.quick = true;
        continue;
      }
      if (!k.startsWith("--") || i + 1 >= args.length) {
        usage("unexpected argument " + k);
      }
      String v = args[++i];
      switch (k) {
        case "--herald", "--cluster", "--socketio", "--raw" -> o.servers.put(k.substring(2), keyValues(v));
        case "--scenarios" -> o.scenarios = List.of(v.split(","));
        case "--api-key" -> o.apiKey = v;
        case "--jwt-secret" -> o.jwtSecret = v;
        case "--out" -> o.out = v;
        case "--label" -> o.label = v;
        case "--jar" -> o.jar = v;
        case "--classes" -> o.classes = v;
        case "--work" -> o.work = v;
        case "--targets" -> o.kinds = List.of(v.split(","));
        case "--herald-transport" -> o.heraldSockJs = switch (v) {
          case "raw" -> false;
          case "sockjs" -> true;
          default -> {
            usage("--herald-transport takes raw or sockjs");
            yield false;
          }
        };
        default -> usage("unknown option " + k);
      }
    }
    if (!SCENARIOS.containsAll(o.scenarios)) {
      usage("--scenarios takes a comma-separated list of " + String.join(",", SCENARIOS));
    }
    return o;
  }

  static List<Integer> ints(String plusList) {
    List<Integer> v = new ArrayList<>();
    for (String s : plusList.split("\\+")) {
      v.add(Integer.parseInt(s));
    }
    return v;
  }

  static List<Long> longs(String plusList) {
    return ints(plusList).stream().map(Integer::longValue).toList();
  }

  private static Map<String, String> keyValues(String spec) {
    Map<String, String> m = new HashMap<>();
    for (String kv : spec.split(",")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        usage("expected key=value in " + spec);
      }
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: CompareBench [--herald port=P,pid=PID,pgpid=PG] [--cluster ports=P1+P2,pids=A+B,pgpid=PG] "
        + "[--socketio port=P,pid=PID] [--raw port=P,pid=PID] --api-key KEY [--jwt-secret S] "
        + "[--herald-transport raw|sockjs] [--scenarios fanout,channels,cluster,memory,storm] [--quick] [--out FILE] [--label TEXT] "
        + "[--jar HERALD_JAR --classes RAW_PEER_CLASSES --work DIR [--targets herald,socketio,raw] (memory, storm)]");
    System.exit(2);
  }
}
