package io.hmmfuzz.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Watches a kernel console for reports that are findings of their own kind: WARNING, BUG, Oops, KASAN,
 * lockdep splats, general protection faults, panics. Keeps the excerpt from the report's first line
 * through the end of its trace.
 */
public final class ConsoleWatch {
  static final Pattern REPORT = Pattern.compile(
      "(WARNING: |BUG: |Oops|KASAN: |UBSAN: |general protection fault|Kernel panic|possible circular locking"
          + "|possible recursive locking|INFO: task .* blocked|kernel BUG at|Unable to handle kernel)");
  /** The guest's own orderly end: init exits, the kernel panics on purpose and QEMU stops (-no-reboot). */
  static final Pattern ORDERLY_END = Pattern.compile("Attempted to kill init! exitcode=0x0000(0000|0100)");

  private final List<String> recent = new ArrayList<>();
  private final List<String> reports = new ArrayList<>();
  private StringBuilder current;
  private int linesLeft;

  public void accept(String line) {
    recent.add(line);
    if (recent.size() > 20) {
      recent.remove(0);
    }
    if (current != null) {
      current.append(line).append('\n');
      if (--linesLeft <= 0 || line.contains("---[ end trace")) {
        reports.add(current.toString());
        current = null;
      }
      return;
    }
    if (REPORT.matcher(line).find() && !ORDERLY_END.matcher(line).find()
        && !(line.contains("Kernel panic") && recent.stream().anyMatch(l -> ORDERLY_END.matcher(l).find()))) {
      current = new StringBuilder();
      for (String r : recent) {
        current.append(r).append('\n');
      }
      linesLeft = 60;
    }
  }

  /** Reports seen so far (an unfinished one included). */
  public List<String> reports() {
    List<String> out = new ArrayList<>(reports);
    if (current != null) {
      out.add(current.toString());
    }
    return out;
  }
}
