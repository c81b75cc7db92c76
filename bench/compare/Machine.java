import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a run happened on, and how busy it was (load average at start and end). */
final class Machine {

  private Machine() {
  }

  static JsonObject info() {
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("cpu_model", firstValue("/proc/cpuinfo", "model name"))
        .put("memory", firstValue("/proc/meminfo", "MemTotal"))
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("load_average_start", loadAverage())
        .put("shared", "other workloads may run on the same cores; see load averages and everything_else_cores");
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstValue(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return "unknown";
  }
}
