import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process's memory at one moment: heap in use right after a full GC, and resident set
 * size. JVMs: {@code jcmd PID GC.run} (twice, so that finalizable and soft garbage is gone too),
 * then the "used" figure of {@code GC.heap_info}. Node: the peer's GET /memory, which runs
 * {@code global.gc()} (node --expose-gc) and answers {@code process.memoryUsage()}. RSS from
 * /proc/PID/status for both.
 */
record Footprint(long heapBytes, long rssBytes) {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  static Footprint of(Servers.Server s) throws Exception {
    long heap = s.kind == Servers.Kind.SOCKETIO ? nodeHeap(s.port) : jvmHeap(s.pid());
    return new Footprint(heap, rss(s.pid()));
  }

  JsonObject json() {
    return new JsonObject().put("heap_after_gc_bytes", heapBytes).put("rss_bytes", rssBytes);
  }

  private static long jvmHeap(long pid) throws Exception {
    jcmd(pid, "GC.run");
    jcmd(pid, "GC.run");
    Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
    if (!m.find()) {
      throw new IllegalStateException("no heap figure from jcmd " + pid + " GC.heap_info");
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }

  private static long nodeHeap(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/memory")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getLong("heapUsed");
  }

  private static long rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
