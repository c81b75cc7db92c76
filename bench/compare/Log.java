/** Progress on stderr: the JSON report is the only thing on stdout. */
final class Log {

  private static final long START = System.nanoTime();
  /** The generator's name in each line; other generators compiled with these sources set their own. */
  static String name = "compare";

  private Log() {
  }

  static void info(String line) {
    System.err.printf("[%s %5.0fs] %s%n", name, (System.nanoTime() - START) / 1e9, line);
  }

  static void progress(String line) {
    info(line);
  }
}
