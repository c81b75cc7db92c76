import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG chart of a compare report: per scenario, server CPU per delivery and p99 publish -> deliver
 * latency, one bar per server and case. No dependencies beyond the JSON reader in herald.jar.
 *   java -cp classes:target/herald.jar Chart bench/results/compare-X.json bench/results/compare-X.svg
 */
public class Chart {

  private static final Map<String, String> COLORS = Map.of("herald", "#2b6cb0", "socketio", "#c05621", "raw", "#718096",
      "herald-cluster-local", "#2b6cb0", "herald-cluster-split", "#63b3ed");
  private static final int PANEL_W = 460;
  private static final int PANEL_H = 220;
  private static final int ROW_H = PANEL_H + 100;

  public static void main(String[] args) throws Exception {
    JsonObject report = new JsonObject(Files.readString(Path.of(args[0])));
    Files.writeString(Path.of(args[1]), svg(report));
    System.err.println("[chart] wrote " + args[1]);
  }

  static String svg(JsonObject report) {
    JsonObject scenarios = report.getJsonObject("scenarios");
    List<String> names = new ArrayList<>();
    for (String s : scenarios.fieldNames()) {
      JsonArray results = scenarios.getJsonObject(s).getJsonArray("results");
      // load scenarios only: memory and storm report other things (see their JSON)
      if (results != null && !results.isEmpty() && results.getJsonObject(0).containsKey("cpu_us_per_delivery")) {
        names.add(s);
      }
    }
    int width = 2 * PANEL_W + 120;
    int height = 84 + names.size() * ROW_H + 20;
    StringBuilder b = new StringBuilder();
    b.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height));
    b.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
    JsonObject machine = report.getJsonObject("machine");
    String load = String.join(" ", java.util.Arrays.asList(machine.getString("load_average_start").split(" ")).subList(0, 3));
    b.append(text(20, 24, 15, "start", "Herald vs Socket.IO 4.8 vs bare Vert.x WebSocket (" + report.getString("started_at")
        + ", " + machine.getInteger("cores") + " shared cores, load average at start " + load + ")"));
    b.append(text(20, 42, 11, "start", "server CPU per delivery (Herald: dark = its JVM, light top = its PostgreSQL) and p99 "
        + "publish→deliver latency from the scheduled send; lower is better"));
    int lx = 20;
    for (String t : List.of("herald", "socketio", "raw", "herald-cluster-split")) {
      b.append(String.format("<rect x=\"%d\" y=\"50\" width=\"10\" height=\"10\" fill=\"%s\"/>%n", lx, COLORS.get(t)));
      b.append(text(lx + 14, 59, 10, "start", t.equals("herald-cluster-split") ? "cluster split (vs local)" : t));
      lx += t.length() * 7 + 60;
    }
    int y = 84;
    for (String s : names) {
      JsonArray results = scenarios.getJsonObject(s).getJsonArray("results");
      b.append(text(20, y + 4, 13, "start", "scenario: " + s));
      b.append(panel(20, y + 14, "CPU µs per delivery", results, r -> r.getDouble("cpu_us_per_delivery"),
          r -> r.getDouble("cpu_us_per_delivery_without_db")));
      b.append(panel(PANEL_W + 80, y + 14, "p99 latency, ms", results,
          r -> r.getJsonObject("deliver_ms").getDouble("p99", 0.0), r -> null));
      y += ROW_H;
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private static String panel(int x0, int y0, String title, JsonArray results,
      java.util.function.Function<JsonObject, Double> value, java.util.function.Function<JsonObject, Double> inner) {
    Map<String, List<JsonObject>> byCase = new LinkedHashMap<>();
    double max = 0;
    for (Object o : results) {
      JsonObject r = (JsonObject) o;
      byCase.computeIfAbsent(r.getString("case"), k -> new ArrayList<>()).add(r);
      max = Math.max(max, value.apply(r) == null ? 0 : value.apply(r));
    }
    max = max <= 0 ? 1 : max * 1.15;
    StringBuilder b = new StringBuilder();
    int top = y0 + 20;
    int bottom = top + PANEL_H - 50;
    b.append(text(x0, y0 + 10, 12, "start", title));
    b.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n", x0, bottom, x0 + PANEL_W, bottom));
    double groupW = (double) PANEL_W / Math.max(1, byCase.size());
    int g = 0;
    for (Map.Entry<String, List<JsonObject>> e : byCase.entrySet()) {
      List<JsonObject> rs = e.getValue();
      double barW = Math.min(40, (groupW - 16) / rs.size());
      double gx = x0 + g * groupW + (groupW - barW * rs.size()) / 2;
      for (int i = 0; i < rs.size(); i++) {
        JsonObject r = rs.get(i);
        Double v = value.apply(r);
        double val = v == null ? 0 : v;
        double h = (bottom - top) * val / max;
        double bx = gx + i * barW;
        String color = COLORS.getOrDefault(r.getString("target"), "#444");
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.55\"/>%n",
            bx + 1, bottom - h, barW - 2, h, color));
        Double in = inner.apply(r);
        double ih = in == null ? h : (bottom - top) * in / max;
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
            bx + 1, bottom - ih, barW - 2, ih, color));
        b.append(text(bx + barW / 2, bottom - h - 3, 9, "middle", fmt(val)));
        b.append(text(bx + barW / 2, bottom + 12, 8, "middle", shortName(r.getString("target"))));
      }
      // "1000 subscribers @ 25000/s" on two lines
      String[] label = e.getKey().split(" @ |, ", 2);
      for (int line = 0; line < label.length; line++) {
        b.append(text(x0 + g * groupW + groupW / 2, bottom + 26 + 12 * line, 10, "middle", label[line]));
      }
      g++;
    }
    return b.toString();
  }

  private static String shortName(String target) {
    return target.replace("herald-cluster-", "").replace("socketio", "sio");
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String text(double x, double y, int size, String anchor, String s) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n", x, y, size, anchor,
        s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
  }
}
