import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time from /proc (utime + stime, in clock ticks of 1/100 s): each server process (with its
 * children, for PostgreSQL's backends), this generator, and the whole machine. A sample is taken
 * at both ends of a measured window; {@link #diff} turns two samples into seconds and cores.
 */
final class Cpu {

  static final double TICKS_PER_S = 100.0; // USER_HZ on Linux
  /** Suffix of the kernel part (stime) of a process's ticks: sockets cost the kernel as much as the JVM. */
  private static final String KERNEL = ":kernel";

  /** A server process; db marks the embedded PostgreSQL (reported with and without). */
  record Proc(String name, long pid, boolean withChildren, boolean db) {
  }

  private Cpu() {
  }

  static Map<String, Long> sample(List<Proc> procs) {
    Map<String, Long> m = new LinkedHashMap<>();
    Map<Long, Long> children = childTicks(procs);
    for (Proc p : procs) {
      long[] st = stat(p.pid()); // one read, so the total and its kernel part are of the same instant
      m.merge(p.name(), (st == null ? 0 : st[1]) + (p.withChildren() ? children.getOrDefault(p.pid(), 0L) : 0L), Long::sum);
      m.merge(p.name() + KERNEL, st == null ? 0 : st[2], Long::sum);
    }
    m.put("generator", ticks(ProcessHandle.current().pid()));
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(cpu.length, 9); i++) {
        total += Long.parseLong(cpu[i]);
      }
      m.put("machine_busy", total - Long.parseLong(cpu[4]) - Long.parseLong(cpu[5]));
    } catch (IOException | RuntimeException e) {
      // not Linux: no machine figure
    }
    return m;
  }

  /** Seconds of CPU per name between two samples, and cores (seconds / window). */
  static JsonObject diff(List<Proc> procs, Map<String, Long> a, Map<String, Long> b, double windowS) {
    JsonObject seconds = new JsonObject();
    JsonObject kernel = new JsonObject();
    double server = 0;
    double serverWithoutDb = 0;
    for (Proc p : procs) {
      if (seconds.containsKey(p.name())) {
        continue;
      }
      double s = Math.max(0, b.getOrDefault(p.name(), 0L) - a.getOrDefault(p.name(), 0L)) / TICKS_PER_S;
      seconds.put(p.name(), s);
      kernel.put(p.name(), Math.max(0, b.getOrDefault(p.name() + KERNEL, 0L) - a.getOrDefault(p.name() + KERNEL, 0L)) / TICKS_PER_S);
      server += s;
      if (!p.db()) {
        serverWithoutDb += s;
      }
    }
    double generator = (b.get("generator") - a.get("generator")) / TICKS_PER_S;
    JsonObject j = new JsonObject()
        .put("window_s", Stats.round(windowS, 2))
        .put("server_s", Stats.round(server, 2))
        .put("server_without_db_s", Stats.round(serverWithoutDb, 2))
        .put("per_process_s", seconds)
        .put("per_process_kernel_s", kernel) // of which in the kernel (stime; PostgreSQL: the postmaster only)
        .put("server_cores", Stats.round(server / windowS, 3))
        .put("generator_cores", Stats.round(generator / windowS, 3));
    if (a.containsKey("machine_busy")) {
      double busy = (b.get("machine_busy") - a.get("machine_busy")) / TICKS_PER_S / windowS;
      j.put("machine_busy_cores", Stats.round(busy, 3))
          .put("everything_else_cores", Stats.round(Math.max(0, busy - (server + generator) / windowS), 3));
    }
    return j;
  }

  /**
   * CPU ticks of the JIT compiler threads (HotSpot's "C1/C2 CompilerThread") of these processes;
   * zero for a process that has none (Node). Warm-up waits until they go quiet, and each window
   * reports what they still took.
   */
  static long compilerTicks(List<Proc> procs) {
    long sum = 0;
    for (Proc p : procs) {
      try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          try {
            String s = Files.readString(task.resolve("stat"));
            String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
            if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
              String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
              sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
          } catch (IOException | RuntimeException threadGone) {
            // the thread ended meanwhile
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such process (any more): nothing compiles there
      }
    }
    return sum;
  }

  private static long ticks(long pid) {
    long[] st = stat(pid);
    return st == null ? 0 : st[1];
  }

  /** CPU ticks of the live children of each process that asked for them (one pass over /proc). */
  private static Map<Long, Long> childTicks(List<Proc> procs) {
    Map<Long, Long> sums = new LinkedHashMap<>();
    if (procs.stream().noneMatch(Proc::withChildren)) {
      return sums;
    }
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) dirs::iterator) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          long[] st = stat(Long.parseLong(name));
          if (st != null) {
            sums.merge(st[0], st[1], Long::sum);
          }
        }
      }
    } catch (IOException e) {
      // no /proc: children count as zero
    }
    return sums;
  }

  /** {ppid, utime+stime, stime} from /proc/pid/stat, or null. */
  private static long[] stat(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[12])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
