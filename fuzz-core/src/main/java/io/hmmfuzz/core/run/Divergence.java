package io.hmmfuzz.core.run;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.DeviceWrite;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Footprint;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.op.Pwrite;
import io.hmmfuzz.core.op.Store;
import io.hmmfuzz.core.op.Tag;
import io.hmmfuzz.core.repro.ProgramText;
import java.util.ArrayList;
import java.util.List;

/**
 * A finding: the kernel did something outside the model's allowed set. Carries everything fsx's
 * failure report has: the op log with the ops that touched the bad bytes marked, an expected-vs-actual
 * byte table naming the op each byte came from, and (given by the caller) the replay command.
 *
 * @param opIndex    the op after which it was found
 * @param subject    "op" for the op's own outcome, else the view that disagreed ("view f0", "view m1 page 0x2")
 * @param expected   what the model allowed
 * @param actual     what the target did
 * @param dataFile   the file the compared bytes belong to (null if none)
 * @param dataBase   the file offset of the first compared byte
 * @param report     the kernel's own report, for a finding of that kind (then expected and actual are null)
 */
public record Divergence(int opIndex, String subject, Expected expected, Outcome actual, Program program,
    Capabilities caps, FileId dataFile, long dataBase, KernelReport report) {

  public Divergence(int opIndex, String subject, Expected expected, Outcome actual, Program program,
      Capabilities caps, FileId dataFile, long dataBase) {
    this(opIndex, subject, expected, actual, program, caps, dataFile, dataBase, null);
  }

  /** The kernel logged a report (WARNING, BUG, ...) during op {@code opIndex} or the views after it. */
  public static Divergence kernelReport(int opIndex, KernelReport report, Program program, Capabilities caps) {
    return new Divergence(opIndex, "kernel log", null, null, program, caps, null, 0, report);
  }

  /** What kind of disagreement this is, stable under shrinking: the shrinker keeps programs with the same signature. */
  public String signature() {
    if (report != null) {
      return report.signature();
    }
    String where = subject.equals("op") ? "op:" + program.op(opIndex).kind().id()
        : subject.startsWith("view f") ? "file-view" : "mapping-view";
    return where + ":" + mismatchClass();
  }

  private String mismatchClass() {
    if (expected.status() != actual.status()) {
      return "status";
    }
    return switch (expected.status()) {
      case ERROR -> "errno";
      case NOT_LIVE -> "status";
      case OK, SIGNAL -> expected.value() != actual.value() || expected.signal() != actual.signal() ? "value" : "data";
    };
  }

  /** The file offset of the first byte that differs, or -1. */
  public long firstBadOffset() {
    if (report != null || expected.data() == null || actual.data() == null || dataFile == null) {
      return -1;
    }
    int i = expected.data().firstMismatch(actual.data());
    return i < 0 || i >= actual.data().length || i >= expected.data().length() ? -1 : dataBase + i;
  }

  public String render(String replayCommand) {
    StringBuilder sb = new StringBuilder();
    Op op = program.op(opIndex);
    sb.append("DIVERGENCE at op ").append(opIndex).append(" of ").append(program.size()).append(": ")
        .append(ProgramText.print(op)).append('\n');
    if (report != null) {
      sb.append("  KERNEL REPORT: ").append(report.title()).append('\n');
      report.excerpt().lines().limit(40).forEach(l -> sb.append("    | ").append(l).append('\n'));
    } else {
      sb.append("  checked:  ").append(subject.equals("op") ? "the op's own outcome" : subject).append('\n');
      sb.append("  expected: ").append(expected.describe()).append('\n');
      sb.append("  actual:   ").append(actual.describe()).append('\n');
    }
    sb.append("  kernel ").append(caps.kernel()).append(", ").append(caps.fs().id()).append(", page ")
        .append(caps.pageSize()).append(", block ").append(caps.blockSize()).append(", ").append(caps.summary())
        .append('\n');
    long bad = firstBadOffset();
    if (bad >= 0) {
      appendByteTable(sb);
    }
    sb.append("  op log (").append(program.size()).append(" ops")
        .append(bad >= 0 ? "; *** marks ops that touched " + dataFile + " at 0x" + Long.toHexString(bad) : "")
        .append("):\n");
    for (int i = 0; i < program.size(); i++) {
      Op o = program.op(i);
      String mark = "";
      if (bad >= 0 && i <= opIndex) {
        for (Footprint f : o.footprint(program)) {
          if (f.covers(dataFile, bad)) {
            mark = "   ***" + String.valueOf(f.mode()).repeat(4) + "***";
          }
        }
      }
      sb.append(String.format("  %s%4d  %s%s%n", i == opIndex ? ">" : " ", i, ProgramText.print(o), mark));
    }
    if (replayCommand != null) {
      sb.append("  replay:   ").append(replayCommand).append('\n');
    }
    return sb.toString();
  }

  private void appendByteTable(StringBuilder sb) {
    Cells exp = expected.data();
    byte[] act = actual.data();
    int n = Math.min(exp.length(), act.length);
    sb.append(String.format("  bytes of %s:%n    %-10s %-28s %s%n", dataFile, "OFFSET", "EXPECTED", "ACTUAL"));
    int rows = 0;
    int mismatches = 0;
    for (int i = 0; i < n; i++) {
      if (exp.allows(i, act[i])) {
        continue;
      }
      mismatches++;
      if (rows >= 16 || (i > 0 && !exp.allows(i - 1, act[i - 1]) && rows > 0 && i % 16 != 0)) {
        continue;
      }
      rows++;
      long off = dataBase + i;
      String e = String.format("0x%02x%s (%s)", exp.value(i) & 0xff, exp.maybeZero(i) ? "|0x00" : "",
          writerName(exp.writer(i)));
      int run = 1;
      while (i + run < n && run < 8 && !exp.allows(i + run, act[i + run])) {
        run++;
      }
      sb.append(String.format("    0x%-8x %-28s 0x%02x (%s)%n", off, e, act[i] & 0xff, whoWrote(act, i, run)));
    }
    sb.append("    ").append(mismatches).append(" of ").append(n).append(" bytes differ")
        .append(exp.length() != act.length ? "; lengths " + exp.length() + " vs " + act.length : "").append('\n');
  }

  private String writerName(int op) {
    return op < 0 ? "never written" : "op " + op + " " + program.op(op).kind().id();
  }

  /** The op whose tag pattern matches the actual run of bytes at this offset, like fsx's "operation# (mod 256)". */
  private String whoWrote(byte[] act, int i, int run) {
    boolean allZero = true;
    for (int k = 0; k < run; k++) {
      allZero &= act[i + k] == 0;
    }
    if (allZero) {
      return "zero";
    }
    List<String> who = new ArrayList<>();
    for (int j = 0; j < program.size(); j++) {
      long[] range = writtenRange(program.op(j));
      if (range == null) {
        continue;
      }
      boolean all = true;
      for (int k = 0; k < run && all; k++) {
        long fo = dataBase + i + k;
        all = fo >= range[0] && fo < range[1] && Tag.byteAt(j, fo) == act[i + k];
      }
      if (all) {
        who.add("op " + j + " " + program.op(j).kind().id());
      }
    }
    return who.isEmpty() ? "no op's pattern" : "pattern of " + String.join(", ", who);
  }

  private long[] writtenRange(Op op) {
    if (op instanceof Open o && dataFile.equals(o.file())) {
      return new long[] {0, o.size()};
    }
    if (op instanceof Pwrite w && dataFile.equals(w.file())) {
      return new long[] {w.offset(), w.offset() + w.length()};
    }
    if (op instanceof DeviceWrite d) {
      Mmap m = program.mmapOf(d.map());
      if (dataFile.equals(m.file())) {
        return new long[] {m.offset() + d.offset(), m.offset() + d.offset() + caps.pageSize()};
      }
    }
    if (op instanceof Store s) {
      Mmap m = program.mmapOf(s.map());
      if (dataFile.equals(m.file())) {
        return new long[] {m.offset() + s.offset(), m.offset() + s.offset() + s.length()};
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return render(null);
  }

}
