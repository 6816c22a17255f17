package io.hmmfuzz.report;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.Progress;
import io.hmmfuzz.guests.SummaryFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A campaign directory's report: {@code report.html} and {@code report.md} beside its
 * {@code summary.json}, with its plots as PNG files (drawn by JFreeChart), and on request kselftest-style
 * TAP. What it shows comes from the summary and the findings' reproducers alone, so a report can be made
 * of any campaign's output, a running one's too. Every file is written whole (temp file, then rename).
 */
public final class CampaignReport {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** One finding with its reproducer (null where the file is missing or unreadable, with why). */
  public record Entry(CampaignSummary.Found found, Reproducer reproducer, String problem, Path cFile) {
    /**
     * The culprit op kind: the signature's, or for a kernel report or a death (whose signature names no
     * op) the op its reproducer's report names as the one after which it came; else the finding's kind.
     */
    public String culprit() {
      Signature s = Signature.parse(found.signature());
      if (s != null && s.op() != null && !s.op().equals("-")) {
        return s.op();
      }
      if (reproducer != null) {
        for (String note : reproducer.notes()) {
          java.util.regex.Matcher m = AT_OP.matcher(note);
          if (m.find()) {
            return m.group(1) + " (kernel report after it)";
          }
        }
      }
      return found.kind();
    }
  }

  /** A divergence report's first line: "DIVERGENCE at op 5 of 6: dwrite m0 offset=0x0". */
  private static final java.util.regex.Pattern AT_OP = java.util.regex.Pattern.compile("at op \\d+ of \\d+: (\\S+)");

  /** What {@link #write} made. */
  public record Written(Path html, Path markdown, List<Path> plots) {}

  private final Path dir;
  private final CampaignSummary summary;
  private final List<Entry> entries;

  private CampaignReport(Path dir, CampaignSummary summary, List<Entry> entries) {
    this.dir = dir;
    this.summary = summary;
    this.entries = entries;
  }

  /** The report of the campaign in {@code dir}; null if {@code dir} holds no summary.json. */
  public static CampaignReport of(Path dir) throws IOException {
    CampaignSummary s = SummaryFile.read(dir);
    if (s == null) {
      return null;
    }
    List<Entry> entries = new ArrayList<>();
    for (CampaignSummary.Found f : s.findings()) {
      Path file = dir.resolve(f.file());
      Path c = dir.resolve(f.file().replaceFirst("\\.repro$", "") + ".c");
      Reproducer r = null;
      String problem = null;
      if (!Files.exists(file)) {
        problem = "reproducer " + f.file() + " is missing";
      } else {
        try {
          r = Corpus.load(file);
        } catch (ReproducerSyntaxException e) {
          problem = e.getMessage();
        }
      }
      entries.add(new Entry(f, r, problem, Files.exists(c) ? c : null));
    }
    return new CampaignReport(dir, s, entries);
  }

  public CampaignSummary summary() {
    return summary;
  }

  public List<Entry> entries() {
    return entries;
  }

  /** Writes the plots, report.html and report.md into the campaign's directory. */
  public Written write() throws IOException {
    List<Path> plots = new ArrayList<>();
    List<Progress.Sample> samples = summary.progress().samples();
    if (samples.size() >= 2) {
      plots.add(png("throughput.png", throughputChart(samples)));
      plots.add(png("findings.png", findingsChart(samples)));
    }
    Path html = dir.resolve("report.html");
    Corpus.replace(html, html(plots).getBytes(StandardCharsets.UTF_8));
    Path md = dir.resolve("report.md");
    Corpus.replace(md, markdown(plots).getBytes(StandardCharsets.UTF_8));
    return new Written(html, md, plots);
  }

  /** kselftest-style TAP (version 13): the campaign ran, then one test per finding and per known finding met. */
  public String tap() {
    StringBuilder t = new StringBuilder("TAP version 13\n");
    int n = 1 + Math.max(1, entries.size()) + summary.known().size();
    t.append("1..").append(n).append('\n');
    int i = 1;
    t.append(summary.programs() > 0 ? "ok " : "not ok ").append(i++).append(" hmmfuzz campaign ran ")
        .append(summary.programs()).append(" programs, ").append(summary.ops()).append(" ops on ").append(summary.fs())
        .append(" (").append(summary.kernel()).append(")").append(summary.programs() > 0 ? "" : ": no program ran")
        .append('\n');
    if (entries.isEmpty()) {
      t.append("ok ").append(i++).append(" no divergence from the model\n");
    }
    for (Entry e : entries) {
      CampaignSummary.Found f = e.found();
      t.append("not ok ").append(i++).append(" finding ").append(f.signature()).append('\n');
      t.append("# ").append(f.kind()).append(", culprit ").append(e.culprit()).append(", ").append(f.ops())
          .append(" ops, reproduced ").append(rate(f)).append(", ").append(f.others())
          .append(" other divergences counted\n");
      t.append("# reproducer: ").append(dir.resolve(f.file())).append('\n');
      t.append("# replay: hmmfuzz replay ").append(dir.resolve(f.file())).append('\n');
    }
    for (CampaignSummary.KnownRepeat k : summary.known()) {
      t.append("ok ").append(i++).append(" known ").append(k.signature()).append(" # SKIP known finding, met ")
          .append(k.count()).append(" times (").append(k.file()).append(")\n");
      if (!k.seenAs().isEmpty()) {
        t.append("# also seen as ").append(k.seenAs()).append('\n');
      }
    }
    return t.toString();
  }

  private Path png(String name, JFreeChart chart) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(b, chart, 900, 320);
    Path p = dir.resolve(name);
    Corpus.replace(p, b.toByteArray());
    return p;
  }

  /** The time axis: seconds, minutes or hours, whichever the campaign's length reads best in. */
  private double[] timeUnit(List<Progress.Sample> samples) {
    double end = samples.get(samples.size() - 1).seconds();
    return end > 3 * 3600 ? new double[] {3600} : end > 180 ? new double[] {60} : new double[] {1};
  }

  private String unitName(double unit) {
    return unit == 3600 ? "hours" : unit == 60 ? "minutes" : "seconds";
  }

  private JFreeChart throughputChart(List<Progress.Sample> samples) {
    double unit = timeUnit(samples)[0];
    XYSeries ops = new XYSeries("ops/s");
    XYSeries programs = new XYSeries("programs/s x 10");
    for (int i = 1; i < samples.size(); i++) {
      Progress.Sample a = samples.get(i - 1);
      Progress.Sample b = samples.get(i);
      double dt = b.seconds() - a.seconds();
      if (dt <= 0) {
        continue;
      }
      ops.add(b.seconds() / unit, (b.ops() - a.ops()) / dt);
      programs.add(b.seconds() / unit, 10 * (b.programs() - a.programs()) / dt);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(ops);
    data.addSeries(programs);
    return styled(ChartFactory.createXYLineChart("Throughput", "time (" + unitName(unit) + ")", "per second", data,
        PlotOrientation.VERTICAL, true, false, false));
  }

  private JFreeChart findingsChart(List<Progress.Sample> samples) {
    double unit = timeUnit(samples)[0];
    XYSeries found = new XYSeries("distinct findings");
    for (Progress.Sample s : samples) {
      found.add(s.seconds() / unit, s.findings());
    }
    JFreeChart c = ChartFactory.createXYLineChart("Distinct findings over time", "time (" + unitName(unit) + ")",
        "findings", new XYSeriesCollection(found), PlotOrientation.VERTICAL, false, false, false);
    c.getXYPlot().setRenderer(new org.jfree.chart.renderer.xy.XYStepRenderer());
    c.getXYPlot().getRangeAxis().setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
    ((org.jfree.chart.axis.NumberAxis) c.getXYPlot().getRangeAxis()).setLowerBound(0);
    return styled(c);
  }

  /** White plot area with light grid lines: readable on screen and in print. */
  private static JFreeChart styled(JFreeChart c) {
    org.jfree.chart.plot.XYPlot p = c.getXYPlot();
    p.setBackgroundPaint(java.awt.Color.WHITE);
    p.setDomainGridlinePaint(new java.awt.Color(0xdddddd));
    p.setRangeGridlinePaint(new java.awt.Color(0xdddddd));
    c.setBackgroundPaint(java.awt.Color.WHITE);
    for (int i = 0; i < p.getSeriesCount(); i++) {
      p.getRenderer().setSeriesStroke(i, new java.awt.BasicStroke(2f));
    }
    return c;
  }

  /** Rows of the overview: what ran, where, how long, how fast. */
  private List<String[]> overview() {
    CampaignSummary s = summary;
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"kernel", s.kernel()});
    rows.add(new String[] {"filesystem", s.fs() + " (" + s.caps() + ")"});
    rows.add(new String[] {"target", s.target()});
    rows.add(new String[] {"profile", s.profile() + (s.without().isEmpty() ? "" : ", without " + String.join(",", s.without()))});
    rows.add(new String[] {"seed", s.seed() + (s.shard() != null ? ", shard " + s.shard() : "")});
    rows.add(new String[] {"duration", String.format(Locale.ROOT, "%s of %s asked%s", time(s.seconds()),
        time(s.durationSeconds()), s.finished() ? "" : " (still running, or killed)")});
    rows.add(new String[] {"programs", String.format(Locale.ROOT, "%,d (%,d ops, %,.0f ops/s)", s.programs(), s.ops(),
        s.opsPerSecond())});
    if (s.vm() != null) {
      double boot = s.vm().bootSeconds().stream().mapToDouble(Double::doubleValue).average().orElse(0);
      rows.add(new String[] {"guests", String.format(Locale.ROOT, "%d boots (%.1f s on average), %d hangs, %d crashes",
          s.vm().boots(), boot, s.vm().hangs(), s.vm().crashes())});
    }
    rows.add(new String[] {"findings", s.divergences() + " distinct (" + s.repeats() + " more divergences counted,"
        + " not shrunk again)"});
    return rows;
  }

  /** k/n, or why there is none: a death's in-flight program is saved as it ran, not replayed on the host. */
  private static String rate(CampaignSummary.Found f) {
    return f.reproduced().equals("0/0") ? "not replayed (the guest died in it: shrink --target vm)" : f.reproduced();
  }

  private static String time(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + " s";
  }

  /** Op kind → outcome → count, from the summary's "op:outcome" counts. */
  private Map<String, Map<String, Long>> outcomes() {
    Map<String, Map<String, Long>> m = new TreeMap<>();
    summary.outcomes().forEach((k, v) -> {
      int c = k.indexOf(':');
      String op = c < 0 ? k : k.substring(0, c);
      String out = c < 0 ? "" : k.substring(c + 1);
      m.computeIfAbsent(op, x -> new TreeMap<>()).merge(out, v, Long::sum);
    });
    return m;
  }

  private String html(List<Path> plots) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hmmfuzz report: ")
        .append(esc(summary.kernel() + " " + summary.fs())).append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;"
            + "text-align:left;vertical-align:top}th{background:#f3f3f3}\n")
        .append("pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;overflow-x:auto;font-size:85%;max-width:100%}\n")
        .append("section.finding{overflow-x:auto}\n")
        .append(".bad{color:#a00;font-weight:600}.ok{color:#070;font-weight:600}td.n{text-align:right}\n")
        .append("td.file{word-break:break-all;font-size:85%;max-width:18em}td.sig{word-break:break-word}\n")
        .append("section.finding{border-left:4px solid #a00;padding-left:1em;margin:1.5em 0}\n")
        .append("div.pairs{overflow-x:auto}table.pairs td,table.pairs th{padding:.1em .25em;font-size:80%}"
            + "table.pairs th.v{vertical-align:bottom}table.pairs th.v span{writing-mode:vertical-rl;"
            + "transform:rotate(180deg);white-space:nowrap}.never{background:#fbe3e3;color:#a00;text-align:center}\n")
        .append("</style></head><body>\n");
    h.append("<h1>hmmfuzz campaign report</h1>\n<p>").append(esc(dir.toAbsolutePath().toString())).append("</p>\n");
    h.append(entries.isEmpty() ? "<p class=\"ok\">No divergence from the model.</p>\n"
        : "<p class=\"bad\">" + entries.size() + " distinct finding" + (entries.size() == 1 ? "" : "s") + ".</p>\n");
    h.append("<table>\n");
    for (String[] r : overview()) {
      h.append("<tr><th>").append(esc(r[0])).append("</th><td>").append(esc(r[1])).append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (plots.isEmpty()) {
      h.append("<p>No plots: the summary holds fewer than two samples over time (a campaign of a few seconds, or one"
          + " written by an hmmfuzz before the samples were kept).</p>\n");
    }
    for (Path p : plots) {
      h.append("<p><img src=\"").append(esc(p.getFileName().toString())).append("\" alt=\"")
          .append(esc(p.getFileName().toString())).append("\" width=\"900\"></p>\n");
    }
    h.append("<h2>Findings</h2>\n");
    if (entries.isEmpty()) {
      h.append("<p>None.</p>\n");
    } else {
      h.append("<table><tr><th>#</th><th>signature</th><th>culprit</th><th>kind</th><th>ops</th><th>reproduced</th>"
          + "<th>other divergences</th><th>files</th></tr>\n");
      int i = 1;
      for (Entry e : entries) {
        CampaignSummary.Found f = e.found();
        h.append("<tr><td><a href=\"#f").append(i).append("\">").append(i).append("</a></td><td>")
            .append(esc(f.signature())).append("</td><td>").append(esc(e.culprit())).append("</td><td>")
            .append(esc(f.kind())).append("</td><td class=\"n\">").append(f.ops()).append("</td><td>")
            .append(esc(rate(f))).append("</td><td class=\"n\">").append(f.others()).append("</td><td><a href=\"")
            .append(esc(f.file())).append("\" title=\"").append(esc(f.file())).append("\">.repro</a>")
            .append(e.cFile() != null ? " <a href=\"" + esc(e.cFile().getFileName().toString()) + "\">.c</a>" : "")
            .append("</td></tr>\n");
        i++;
      }
      h.append("</table>\n");
      i = 1;
      for (Entry e : entries) {
        CampaignSummary.Found f = e.found();
        h.append("<section class=\"finding\" id=\"f").append(i++).append("\"><h3>").append(esc(f.signature()))
            .append("</h3>\n<p>Culprit op <b>").append(esc(e.culprit())).append("</b>; ").append(f.ops())
            .append(" ops, reproduced ").append(esc(rate(f))).append("; ").append(f.others())
            .append(" other divergences counted as this finding");
        if (!f.seenAs().isEmpty()) {
          h.append(" (also seen as ").append(esc(f.seenAs().toString())).append(")");
        }
        h.append(".</p>\n<p>Replay: <code>hmmfuzz replay ").append(esc(dir.resolve(f.file()).toString()))
            .append("</code>; C reproducer: ");
        h.append(e.cFile() != null ? "<a href=\"" + esc(e.cFile().getFileName().toString()) + "\">"
            + esc(e.cFile().getFileName().toString()) + "</a>" : "none beside it");
        h.append("</p>\n");
        if (e.reproducer() == null) {
          h.append("<p class=\"bad\">").append(esc(e.problem())).append("</p>\n");
        } else {
          h.append("<pre>").append(esc(String.join("\n", e.reproducer().notes()))).append("</pre>\n");
          h.append("<p>Program:</p><pre>").append(esc(ProgramText.print(e.reproducer().program()))).append("</pre>\n");
        }
        h.append("</section>\n");
      }
    }
    if (!summary.known().isEmpty()) {
      h.append("<h2>Known findings met</h2>\n<table><tr><th>signature</th><th>times</th><th>known from</th></tr>\n");
      for (CampaignSummary.KnownRepeat k : summary.known()) {
        h.append("<tr><td>").append(esc(k.signature()))
            .append(k.seenAs().isEmpty() ? "" : " (also seen as " + esc(k.seenAs().toString()) + ")")
            .append("</td><td class=\"n\">").append(k.count()).append("</td><td>").append(esc(k.file()))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<h2>Op outcomes</h2>\n<p>How often each op kind ended each way on the kernel (return, errno,"
        + " signal). An op kind or outcome missing here was never reached.</p>\n");
    Map<String, Map<String, Long>> oc = outcomes();
    TreeSet<String> cols = new TreeSet<>();
    oc.values().forEach(m -> cols.addAll(m.keySet()));
    h.append("<table><tr><th>op</th>");
    cols.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
    h.append("</tr>\n");
    oc.forEach((op, m) -> {
      h.append("<tr><th>").append(esc(op)).append("</th>");
      cols.forEach(c -> h.append("<td class=\"n\">").append(m.containsKey(c) ? String.format(Locale.ROOT, "%,d",
          m.get(c)) : "").append("</td>"));
      h.append("</tr>\n");
    });
    h.append("</table>\n");
    h.append("<h2>Op pairs</h2>\n");
    Meetings mt = meetings();
    if (mt.axis().isEmpty()) {
      h.append("<p>No op met another on the same pages").append(summary.met().isEmpty() && summary.programs() > 0
          ? " (or the summary was written by an hmmfuzz that did not count meetings)" : "").append(".</p>\n");
    } else {
      h.append("<p>In how many programs an op of the row's kind was followed by an op of the column's kind on the"
          + " same pages of a file or anonymous mapping, both reaching them (ending OK or with a signal; the two"
          + " devices' ops count as one kind). "
          + "<span class=\"never\">&nbsp;&middot;&nbsp;</span> marks a pair that never met: ")
          .append(mt.never()).append(" of ").append(mt.cells()).append(".");
      if (!mt.onlyFirst().isEmpty()) {
        h.append(" Never a later op, so not a column: ").append(esc(String.join(", ", mt.onlyFirst())))
            .append(" (an open makes its file).");
      }
      h.append("</p>\n<div class=\"pairs\"><table class=\"pairs\"><tr><th>first \\ then</th>");
      mt.columns().forEach(c -> h.append("<th class=\"v\"><span>").append(esc(c)).append("</span></th>"));
      h.append("</tr>\n");
      for (String r : mt.axis()) {
        h.append("<tr><th>").append(esc(r)).append("</th>");
        for (String c : mt.columns()) {
          long n = mt.count(r, c);
          h.append(n == 0 ? "<td class=\"never\" title=\"" + esc(r + " then " + c + ": never") + "\">&middot;</td>"
              : "<td class=\"n\" title=\"" + esc(r + " then " + c + ": " + String.format(Locale.ROOT, "%,d", n)
              + " programs") + "\">" + compact(n) + "</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table></div>\n");
      if (!mt.apart().isEmpty()) {
        h.append("<p>Ran but met no other op on any page (mmap and close act on none of their own): ")
            .append(esc(String.join(", ", mt.apart()))).append(".</p>\n");
      }
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  /**
   * The meetings of op kinds as a table: the rows ({@code axis}) every kind that met another on some
   * page, the columns those that ever came second, both in name order; {@code apart} the kinds that ran
   * (in the outcome counts) but met none.
   */
  private record Meetings(List<String> axis, List<String> columns, List<String> apart,
      Map<String, Map<String, Long>> met) {
    long count(String first, String then) {
      return met.getOrDefault(first, Map.of()).getOrDefault(then, 0L);
    }

    long never() {
      return axis.stream().mapToLong(r -> columns.stream().filter(c -> count(r, c) == 0).count()).sum();
    }

    /** The pairs the table shows. */
    long cells() {
      return (long) axis.size() * columns.size();
    }

    /** Kinds that met others only as the earlier op (open: it makes its file), left out of the columns. */
    List<String> onlyFirst() {
      return axis.stream().filter(k -> !columns.contains(k)).toList();
    }
  }

  private Meetings meetings() {
    TreeSet<String> axis = new TreeSet<>(summary.met().keySet());
    TreeSet<String> then = new TreeSet<>();
    summary.met().values().forEach(row -> then.addAll(row.keySet()));
    axis.addAll(then);
    TreeSet<String> ran = new TreeSet<>();
    outcomes().keySet().forEach(k -> ran.add(k.contains(" ") ? k.substring(0, k.indexOf(' ')) : k));
    ran.removeAll(axis);
    return new Meetings(List.copyOf(axis), List.copyOf(then), axis.isEmpty() ? List.of() : List.copyOf(ran),
        summary.met());
  }

  /** A count in at most four characters: 999, 1.2k, 34k, 5.6M. */
  static String compact(long n) {
    if (n < 1000) {
      return Long.toString(n);
    }
    double v = n;
    String[] units = {"k", "M", "G"};
    int u = -1;
    while (v >= 999.5 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return (v < 9.95 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%d", Math.round(v))) + units[u];
  }

  private String markdown(List<Path> plots) {
    StringBuilder m = new StringBuilder("# hmmfuzz campaign report\n\n");
    m.append('`').append(dir.toAbsolutePath()).append("`\n\n");
    m.append(entries.isEmpty() ? "No divergence from the model.\n\n" : "**" + entries.size() + " distinct finding"
        + (entries.size() == 1 ? "" : "s") + ".**\n\n");
    m.append("| | |\n|---|---|\n");
    for (String[] r : overview()) {
      m.append("| ").append(r[0]).append(" | ").append(r[1].replace("|", "\\|")).append(" |\n");
    }
    m.append('\n');
    for (Path p : plots) {
      m.append("![").append(p.getFileName()).append("](").append(p.getFileName()).append(")\n\n");
    }
    m.append("## Findings\n\n");
    if (entries.isEmpty()) {
      m.append("None.\n\n");
    }
    for (Entry e : entries) {
      CampaignSummary.Found f = e.found();
      m.append("### ").append(f.signature()).append("\n\nCulprit op **").append(e.culprit()).append("**; ")
          .append(f.ops()).append(" ops, reproduced ").append(rate(f)).append("; ").append(f.others())
          .append(" other divergences. Reproducer [").append(f.file()).append("](").append(f.file()).append(")")
          .append(e.cFile() != null ? ", C reproducer [" + e.cFile().getFileName() + "](" + e.cFile().getFileName() + ")"
              : "").append(".\n\n");
      if (e.reproducer() != null) {
        m.append("```\n").append(String.join("\n", e.reproducer().notes())).append("\n\n")
            .append(ProgramText.print(e.reproducer().program())).append("```\n\n");
      } else {
        m.append(e.problem()).append("\n\n");
      }
    }
    m.append("## Op outcomes\n\n| op | outcomes |\n|---|---|\n");
    outcomes().forEach((op, o) -> {
      StringBuilder cell = new StringBuilder();
      o.forEach((k, v) -> cell.append(cell.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
      m.append("| ").append(op).append(" | ").append(cell).append(" |\n");
    });
    Meetings mt = meetings();
    m.append("\n## Op pairs\n\n");
    if (mt.axis().isEmpty()) {
      m.append("No op met another on the same pages.\n");
    } else {
      m.append("Programs in which an op of the row's kind was followed by one of the column's kind on the same pages;"
          + " `.` never (").append(mt.never()).append(" of ").append(mt.cells())
          .append(" pairs).\n\n| first \\ then |");
      mt.columns().forEach(c -> m.append(' ').append(c).append(" |"));
      m.append("\n|---|").append("---|".repeat(mt.columns().size())).append('\n');
      for (String r : mt.axis()) {
        m.append("| ").append(r).append(" |");
        for (String c : mt.columns()) {
          long n = mt.count(r, c);
          m.append(' ').append(n == 0 ? "." : compact(n)).append(" |");
        }
        m.append('\n');
      }
      if (!mt.apart().isEmpty()) {
        m.append("\nRan but met no other op on any page: ").append(String.join(", ", mt.apart())).append(".\n");
      }
    }
    return m.toString();
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
