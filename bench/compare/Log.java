/** Progress on stderr: the JSON report is the only thing on stdout. */
final class Log {

  private static final long START = System.nanoTime();

  private Log() {
  }

  static void info(String line) {
    System.err.printf("[compare %5.0fs] %s%n", (System.nanoTime() - START) / 1e9, line);
  }

  static void progress(String line) {
    info(line);
  }
}
