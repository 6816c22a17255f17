package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.KernelReport;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches kernel log lines (a guest's serial console, or /dev/kmsg) for reports that are findings of
 * their own kind: WARNING, BUG, Oops, KASAN, lockdep splats, general protection faults, hung tasks,
 * panics. Keeps the excerpt from the report's "cut here" line (or the line before it) through the end
 * of its trace. Thread-safe: a console reader feeds it while another thread asks for reports.
 */
public final class ConsoleWatch {
  static final Pattern REPORT = Pattern.compile(
      "(WARNING: |BUG: |Oops|KASAN: |UBSAN: |general protection fault|Kernel panic|possible circular locking"
          + "|possible recursive locking|INFO: task .* blocked|kernel BUG at|Unable to handle kernel)");
  /** The guest's own orderly end: init exits, the kernel panics on purpose and QEMU stops (-no-reboot). */
  static final Pattern ORDERLY_END = Pattern.compile("Attempted to kill init! exitcode=0x0000(0000|0100)");
  private static final Pattern TIMESTAMP = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\]\\s*");
  /**
   * A planted bug's WARNING (PlantedBugKernel), with the PID of the hmmfuzz that wrote it: on a kernel
   * log that other runs share (the local kernel's), a planted warning of another process is that
   * process's, never a finding here.
   */
  static final Pattern PLANTED = Pattern.compile("PID: (\\d+) at planted/hmmfuzz\\.c");
  private static final String OWN_PID = Long.toString(ProcessHandle.current().pid());

  private final List<String> recent = new ArrayList<>();
  private final List<KernelReport> reports = new ArrayList<>();
  private StringBuilder current;
  private String currentTitle;
  private int linesLeft;
  /** When the latest report began (System.nanoTime), or 0. */
  private volatile long lastReportAt;

  public synchronized void accept(String line) {
    recent.add(line);
    if (recent.size() > 20) {
      recent.remove(0);
    }
    if (current != null) {
      current.append(line).append('\n');
      if (--linesLeft <= 0 || line.contains("---[ end trace")) {
        reports.add(new KernelReport(located(currentTitle, current), current.toString()));
        current = null;
      }
      return;
    }
    Matcher m = REPORT.matcher(line);
    Matcher planted = PLANTED.matcher(line);
    if (planted.find() && !planted.group(1).equals(OWN_PID)) {
      return;
    }
    if (m.find() && !ORDERLY_END.matcher(line).find()
        && !(line.contains("Kernel panic") && recent.stream().anyMatch(l -> ORDERLY_END.matcher(l).find()))) {
      // Context: from the report's own "cut here" line if it has one, else the line before it.
      int from = Math.max(0, recent.size() - 2);
      for (int i = recent.size() - 1; i >= Math.max(0, recent.size() - 4); i--) {
        if (recent.get(i).contains("cut here")) {
          from = i;
          break;
        }
      }
      lastReportAt = System.nanoTime();
      current = new StringBuilder();
      for (String r : recent.subList(from, recent.size())) {
        current.append(r).append('\n');
      }
      currentTitle = title(line.substring(m.start()));
      linesLeft = 60;
    }
  }

  /**
   * A report's first line made stable across runs and machines: no timestamp, CPU, PID, task name,
   * code offsets, addresses (ADDR) or durations. "WARNING: CPU: 1 PID: 97 at lib/test_hmm.c:280 dmirror_do_fault+0x5e/0x80"
   * becomes "WARNING: at lib/test_hmm.c:280 dmirror_do_fault".
   */
  static String title(String line) {
    String t = TIMESTAMP.matcher(line).replaceFirst("");
    t = t.replaceAll("CPU: \\d+ PID: \\d+ (Comm: \\S+ )?", "");
    t = t.replaceAll("\\+0x[0-9a-f]+/0x[0-9a-f]+", "");
    t = t.replaceAll("task \\S+:\\d+ blocked for more than \\d+ seconds", "task blocked");
    t = t.replaceAll(" \\[\\w+\\]$", "");
    t = t.replaceAll("\\b(0x)?[0-9a-f]{8,16}\\b", "ADDR");
    return t.strip();
  }

  /** Reports whose first line names no place in the code: page faults, protection faults, NULL dereferences. */
  private static final Pattern UNPLACED = Pattern.compile(
      "^(BUG: unable to handle|BUG: kernel NULL pointer dereference|general protection fault|Oops|Unable to handle kernel)");
  /** The faulting function in an x86-64 register dump: "RIP: 0010:dmirror_do_read+0x80/0x9c". */
  private static final Pattern RIP = Pattern.compile("RIP: [0-9a-f]{4}:([A-Za-z0-9_.]+)\\+0x");

  /**
   * A report's title with the faulting function added ("... in dmirror_do_read", as syzkaller titles
   * them) where the first line names no place in the code: without it, every page fault in the kernel
   * would be one finding, and a known one would mask any other.
   */
  static String located(String title, CharSequence excerpt) {
    if (!UNPLACED.matcher(title).find() || title.contains(" in ")) {
      return title;
    }
    Matcher m = RIP.matcher(excerpt);
    return m.find() ? title + " in " + m.group(1) : title;
  }

  /** The reports in {@code lines}, a whole stretch of the kernel log (one op's). */
  public static List<KernelReport> reportsIn(List<String> lines) {
    ConsoleWatch w = new ConsoleWatch();
    lines.forEach(w::accept);
    return w.drain();
  }

  /** When the latest report began (System.nanoTime), or 0 if none has. */
  public long lastReportAt() {
    return lastReportAt;
  }

  /** Reports seen so far (an unfinished one included). */
  public synchronized List<KernelReport> reports() {
    List<KernelReport> out = new ArrayList<>(reports);
    if (current != null) {
      out.add(new KernelReport(located(currentTitle, current), current.toString()));
    }
    return out;
  }

  /** Reports seen so far, unfinished ones included, and forgets them. */
  public synchronized List<KernelReport> drain() {
    List<KernelReport> out = reports();
    reports.clear();
    current = null;
    return out;
  }
}
