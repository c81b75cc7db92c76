// Herald vs Socket.IO vs a bare Vert.x WebSocket broadcaster: CPU per delivery and publish -> deliver
// latency at fixed offered loads, measured side by side in one run. Started by bench/run-compare.sh,
// which starts the servers and passes their ports and pids; see bench/README.md.
//
//   javac -d out -cp target/herald.jar bench/compare/*.java
//   java -cp out:target/herald.jar CompareBench --herald port=P,pid=PID,pgpid=PG --socketio port=Q,pid=N \
//        --raw port=R,pid=M --api-key K --jwt-secret S [--herald-transport raw|sockjs] [--scenarios fanout,channels,cluster]
//        [--quick] [--out F]
//
// Output: one JSON document on stdout (and in --out); progress on stderr.

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public class CompareBench {

  public static void main(String[] args) {
    Opts o = Opts.parse(args);
    int code = 0;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    try {
      run(o, vertx);
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    System.exit(code); // Vert.x threads would keep the JVM alive
  }

  static void run(Opts o, Vertx vertx) throws Exception {
    long started = System.nanoTime();
    String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    HeraldProtocol herald = new HeraldProtocol(runId, o.apiKey, o.jwtSecret == null ? null : new Jwt(o.jwtSecret), o.heraldSockJs);
    Servers servers = o.work == null ? null
        : new Servers(new Servers.Setup(Path.of(o.jar), Path.of(o.classes), Path.of(o.work), o.apiKey, o.jwtSecret));
    Map<Servers.Kind, Protocol> protocols = new LinkedHashMap<>();
    protocols.put(Servers.Kind.HERALD, herald);
    protocols.put(Servers.Kind.SOCKETIO, new SocketIoProtocol());
    protocols.put(Servers.Kind.RAW, new RawProtocol());
    protocols.keySet().removeIf(k -> !o.kinds.contains(k.name().toLowerCase()));
    Bench bench = new Bench(new Loops(vertx, 2), targets(o, herald), servers, protocols, o.quick);
    JsonObject report = new JsonObject()
        .put("benchmark", "herald-compare")
        .put("started_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .put("run_id", runId)
        .put("label", o.label)
        .put("quick", o.quick)
        .put("herald_transport", herald.transport())
        .put("machine", Machine.info())
        .put("servers", servers(bench.targets));
    JsonObject scenarios = new JsonObject();
    for (String s : o.scenarios) {
      Log.info("scenario " + s);
      scenarios.put(s, switch (s) {
        case "fanout" -> Fanout.run(bench);
        case "channels" -> ManyChannels.run(bench);
        case "cluster" -> Cluster.run(bench);
        case "memory" -> Memory.run(bench);
        case "storm" -> Storm.run(bench);
        default -> throw new IllegalArgumentException(s);
      });
    }
    report.put("scenarios", scenarios)
        .put("load_average_end", Machine.loadAverage())
        .put("wall_s", Stats.round((System.nanoTime() - started) / 1e9, 1));
    String json = report.encodePrettily();
    System.out.println(json);
    if (o.out != null) {
      Files.writeString(Path.of(o.out), json + "\n");
      Log.info("wrote " + o.out);
    }
  }

  static Map<String, Target> targets(Opts o, HeraldProtocol herald) {
    Map<String, Target> t = new LinkedHashMap<>();
    Map<String, String> s = o.servers.get("herald");
    if (s != null) {
      int port = Integer.parseInt(s.get("port"));
      t.put("herald", new Target("herald", herald, List.of(port), port, heraldProcs(Opts.longs(s.get("pid")), s.get("pgpid"))));
    }
    s = o.servers.get("cluster");
    if (s != null) {
      List<Integer> ports = Opts.ints(s.get("ports"));
      t.put("cluster", new Target("herald-cluster", herald, ports, ports.get(0), heraldProcs(Opts.longs(s.get("pids")), s.get("pgpid"))));
    }
    s = o.servers.get("socketio");
    if (s != null) {
      int port = Integer.parseInt(s.get("port"));
      t.put("socketio", new Target("socketio", new SocketIoProtocol(), List.of(port), port,
          List.of(new Cpu.Proc("node", Long.parseLong(s.get("pid")), false, false))));
    }
    s = o.servers.get("raw");
    if (s != null) {
      int port = Integer.parseInt(s.get("port"));
      t.put("raw", new Target("raw", new RawProtocol(), List.of(port), port,
          List.of(new Cpu.Proc("jvm", Long.parseLong(s.get("pid")), false, false))));
    }
    return t;
  }

  private static List<Cpu.Proc> heraldProcs(List<Long> jvms, String pgPid) {
    List<Cpu.Proc> procs = new ArrayList<>();
    for (int i = 0; i < jvms.size(); i++) {
      procs.add(new Cpu.Proc(jvms.size() == 1 ? "jvm" : "jvm" + (i + 1), jvms.get(i), false, false));
    }
    if (pgPid != null) {
      procs.add(new Cpu.Proc("postgres", Long.parseLong(pgPid), true, true));
    }
    return procs;
  }

  private static JsonObject servers(Map<String, Target> targets) {
    JsonObject j = new JsonObject();
    targets.forEach((name, t) -> j.put(name, new JsonObject().put("ws_ports", t.wsPorts()).put("publish_port", t.publishPort())
        .put("processes", t.processes().stream().map(p -> p.name() + "=" + p.pid()).toList())));
    return j;
  }
}
