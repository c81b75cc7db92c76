// Live queries: change latency across nodes against a plain channel publish, and the cost of
// evaluating a write against many live queries against re-running them in SQL. Started by
// bench/run-livequery.sh, which starts the nodes and passes their ports and pids; see bench/README.md.
//
//   javac -d out -cp target/herald.jar bench/compare/*.java bench/common/DiskProbe.java bench/livequery/*.java
//   java -cp out:target/herald.jar LiveQueryBench --scenario latency|evaluation --ports P1[+P2] --pids A[+B] \
//        --pgpid PG --pgport PORT --api-key K [--rates 2000+400 --warmup 10 --duration 20]
//        [--counts 100+10000 --writes 2000 --eval-rate 300 --repeats 2 --naive-s 15 --naive-max-writes 200] [--out F]
//
// Output: one JSON document on stdout (and in --out); progress on stderr.

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public class LiveQueryBench {

  /** Command line; every server is on 127.0.0.1. */
  static final class Opts {
    String scenario;
    List<Integer> ports;
    List<Long> pids;
    long pgPid;
    int pgPort;
    String apiKey;
    String out;
    String label = "";
    String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    // latency
    /** Offered writes/s of the latency scenario, each measured for both paths: the target's, and one the document path sustains here. */
    List<Double> rates = List.of(2000.0, 400.0);
    double warmupS = 10;
    double durationS = 20;
    // evaluation
    List<Integer> counts = List.of(100, 10_000);
    int writes = 2000;
    double evalRate = 300;
    int repeats = 2;
    double naiveS = 15;
    int naiveMaxWrites = 200;

    static Opts parse(String[] args) {
      Opts o = new Opts();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String v = args[i + 1];
        switch (args[i]) {
          case "--scenario" -> o.scenario = v;
          case "--ports" -> o.ports = Opts.ints(v);
          case "--pids" -> o.pids = Opts.ints(v).stream().map(Integer::longValue).toList();
          case "--pgpid" -> o.pgPid = Long.parseLong(v);
          case "--pgport" -> o.pgPort = Integer.parseInt(v);
          case "--api-key" -> o.apiKey = v;
          case "--out" -> o.out = v;
          case "--label" -> o.label = v;
          case "--rates" -> o.rates = Opts.ints(v).stream().map(Integer::doubleValue).toList();
          case "--warmup" -> o.warmupS = Double.parseDouble(v);
          case "--duration" -> o.durationS = Double.parseDouble(v);
          case "--counts" -> o.counts = Opts.ints(v).stream().sorted().toList();
          case "--writes" -> o.writes = Integer.parseInt(v);
          case "--eval-rate" -> o.evalRate = Double.parseDouble(v);
          case "--repeats" -> o.repeats = Integer.parseInt(v);
          case "--naive-s" -> o.naiveS = Double.parseDouble(v);
          case "--naive-max-writes" -> o.naiveMaxWrites = Integer.parseInt(v);
          default -> usage("unknown option " + args[i]);
        }
      }
      if (args.length % 2 != 0 || o.scenario == null || o.ports == null || o.pids == null || o.apiKey == null) {
        usage("--scenario, --ports, --pids and --api-key are required");
      }
      if (o.scenario.equals("latency") && o.ports.size() != 2) {
        usage("latency needs two nodes: --ports A+B");
      }
      return o;
    }

    private static List<Integer> ints(String plusList) {
      List<Integer> v = new ArrayList<>();
      for (String s : plusList.split("\\+")) {
        v.add(Integer.parseInt(s));
      }
      return v;
    }

    private static void usage(String problem) {
      System.err.println(problem);
      System.err.println("usage: LiveQueryBench --scenario latency|evaluation --ports P1[+P2] --pids A[+B] --pgpid PG --pgport PORT "
          + "--api-key K [--rates R1+R2 --warmup S --duration S] [--counts 100+10000 --writes W --eval-rate R --repeats N "
          + "--naive-s S --naive-max-writes W] [--out FILE] [--label TEXT]");
      System.exit(2);
    }
  }

  public static void main(String[] args) {
    Log.name = "livequery";
    Opts o = Opts.parse(args);
    int code = 0;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    try {
      long started = System.nanoTime();
      JsonObject report = new JsonObject()
          .put("scenario", o.scenario)
          .put("started_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
          .put("run_id", o.runId)
          .put("label", o.label)
          .put("machine", Machine.info())
          .put("processes", procs(o).stream().map(p -> p.name() + "=" + p.pid()).toList());
      report.put("result", switch (o.scenario) {
        case "latency" -> Latency.run(o, vertx);
        case "evaluation" -> Evaluation.run(o, vertx);
        default -> throw new IllegalArgumentException("unknown scenario " + o.scenario);
      });
      report.put("load_average_end", Machine.loadAverage()).put("wall_s", Stats.round((System.nanoTime() - started) / 1e9, 1));
      String json = report.encodePrettily();
      System.out.println(json);
      if (o.out != null) {
        Files.writeString(Path.of(o.out), json + "\n");
      }
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    System.exit(code); // Vert.x threads would keep the JVM alive
  }

  /** The Herald JVMs and the embedded PostgreSQL (postmaster and its backends). */
  static List<Cpu.Proc> procs(Opts o) {
    List<Cpu.Proc> procs = new ArrayList<>();
    for (int i = 0; i < o.pids.size(); i++) {
      procs.add(new Cpu.Proc(o.pids.size() == 1 ? "jvm" : "jvm" + (i + 1), o.pids.get(i), false, false));
    }
    procs.add(new Cpu.Proc("postgres", o.pgPid, true, true));
    return procs;
  }

  /** A new event-loop context: Vert.x hands them out round-robin over its loops. */
  static Context newContext(Vertx vertx) {
    return ((VertxInternal) vertx).createEventLoopContext();
  }
}
