package io.hmmfuzz.core.run;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Footprint;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Tag;
import io.hmmfuzz.core.repro.ProgramText;
import java.util.ArrayList;
import java.util.List;

/**
 * A finding: the kernel did something outside the model's allowed set. Carries everything fsx's
 * failure report has: the op log with the ops that touched the bad bytes marked, an expected-vs-actual
 * byte table naming the op each byte came from (through reflinks and clones too), and (given by the
 * caller) the replay command.
 *
 * @param opIndex    the op after which it was found
 * @param view       what disagreed: the op's own outcome, a file, CPU or device view, or the kernel's log
 * @param subject    for reports: "the op's own outcome", else the view ("view f0", "view m1 page 0x2")
 * @param expected   what the model allowed
 * @param actual     what the target did
 * @param dataFile   the file the compared bytes belong to (null if none)
 * @param dataBase   the file offset of the first compared byte
 * @param report     the kernel's own report, for a finding of that kind (then expected and actual are null)
 * @param before     the bytes the same view (or, for an op's data, the file view) was last checked to hold
 *                   from {@code dataBase} on, or null: bad bytes equal to them are stale (an update that did
 *                   not land), whichever op wrote them
 * @param opRule     the rule of op {@code opIndex} (the state change the views then disagreed with), for a
 *                   view's divergence; null for the op's own outcome, whose rule is {@code expected}'s
 */
public record Divergence(int opIndex, Signature.View view, String subject, Expected expected, Outcome actual,
    Program program, Capabilities caps, FileId dataFile, long dataBase, KernelReport report, Cells before,
    String opRule) {

  public Divergence(int opIndex, Signature.View view, String subject, Expected expected, Outcome actual,
      Program program, Capabilities caps, FileId dataFile, long dataBase) {
    this(opIndex, view, subject, expected, actual, program, caps, dataFile, dataBase, null, null, null);
  }

  /** The kernel logged a report (WARNING, BUG, ...) during op {@code opIndex} or the views after it. */
  public static Divergence kernelReport(int opIndex, KernelReport report, Program program, Capabilities caps) {
    return new Divergence(opIndex, Signature.View.KERNEL, "kernel log", null, null, program, caps, null, 0, report,
        null, null);
  }

  /**
   * What kind of disagreement this is, stable under shrinking: the shrinker keeps programs with the same
   * signature, a campaign keeps one finding per signature.
   */
  public Signature signature() {
    if (report != null) {
      return report.signature();
    }
    String rule = Signature.ruleId(opRule);
    return new Signature(program.op(opIndex).kind().id(), view, mismatchClass(),
        rule.equals("-") ? Signature.ruleId(expected.rule()) : rule);
  }

  private String mismatchClass() {
    Outcome.Status e = expected.status();
    Outcome.Status a = actual.status();
    if (e != a) {
      if (e == Outcome.Status.ERROR && a == Outcome.Status.OK) {
        return "unexpected-success";
      }
      if (a == Outcome.Status.ERROR) {
        return "unexpected-" + errnoName(actual);
      }
      if (e == Outcome.Status.SIGNAL && a == Outcome.Status.OK) {
        return "missing-" + expected.signal();
      }
      if (a == Outcome.Status.SIGNAL) {
        return "extra-" + actual.signal();
      }
      return "status";
    }
    return switch (e) {
      case ERROR -> "errno-" + errnoName(actual) + "-not-" + expected.errno();
      case NOT_LIVE -> "status";
      case OK, SIGNAL -> expected.signal() != actual.signal() ? actual.signal() + "-not-" + expected.signal()
          : expected.value() != actual.value() ? (view == Signature.View.FILE ? "size" : "value") : bytesClass();
    };
  }

  private static String errnoName(Outcome o) {
    return o.errno() == io.hmmfuzz.core.Errno.UNKNOWN ? "errno" + o.value() : o.errno().name();
  }

  /**
   * The class of the first run of bad bytes: {@code stale} where they are what the view was last checked
   * to hold (an update that did not land: the same class whichever op wrote the old bytes), else
   * {@code zeros}, else {@code bytes-of-KIND} where they carry the pattern of a write of that kind
   * (a post-EOF store that became file data), else {@code data}.
   */
  private String bytesClass() {
    int i = firstBadIndex();
    if (i < 0) {
      return "data";
    }
    byte[] act = actual.data();
    int run = badRun(i);
    if (before != null) {
      // Bytes past what the view last held (the file was shorter then) held nothing: they read as zeros
      // once the file grows, so zeros there are stale too (an extension whose data did not land).
      boolean stale = true;
      for (int k = 0; k < run && stale; k++) {
        stale = i + k < before.length() ? before.allows(i + k, act[i + k]) : act[i + k] == 0;
      }
      if (stale) {
        return "stale";
      }
    }
    if (allZero(act, i, run)) {
      return "zeros";
    }
    List<Origin> who = originsOfPrefix(act, i, run);
    return who.isEmpty() ? "data" : "bytes-of-" + program.op(who.get(who.size() - 1).writer).dataSource();
  }

  /**
   * The origins of the longest prefix of a run of bad bytes that one write explains: a run may hold two
   * writes' bytes side by side (two post-EOF stores), and each byte only counts for a write whose
   * footprint covers it.
   */
  private List<Origin> originsOfPrefix(byte[] act, int i, int run) {
    for (int r = run; r >= 1; r--) {
      List<Origin> who = origins(dataFile, dataBase + i, act, i, r, opIndex + 1);
      if (!who.isEmpty()) {
        return who;
      }
    }
    return List.of();
  }

  private int firstBadIndex() {
    if (expected.data() == null || actual.data() == null || dataFile == null) {
      return -1;
    }
    int i = expected.data().firstMismatch(actual.data());
    return i < 0 || i >= actual.data().length || i >= expected.data().length() ? -1 : i;
  }

  private int badRun(int i) {
    Cells exp = expected.data();
    byte[] act = actual.data();
    int n = Math.min(exp.length(), act.length);
    int run = 1;
    while (i + run < n && run < 8 && !exp.allows(i + run, act[i + run])) {
      run++;
    }
    return run;
  }

  private static boolean allZero(byte[] act, int i, int run) {
    for (int k = 0; k < run; k++) {
      if (act[i + k] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The file offset of the first byte that differs, or -1. */
  public long firstBadOffset() {
    if (report != null) {
      return -1;
    }
    int i = firstBadIndex();
    return i < 0 ? -1 : dataBase + i;
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
      sb.append("  checked:  ").append(subject).append('\n');
      sb.append("  signature: ").append(signature().text()).append('\n');
      sb.append("  expected: ").append(expected.describe()).append('\n');
      sb.append("  actual:   ").append(actual.describe()).append('\n');
    }
    sb.append("  kernel ").append(caps.kernel()).append(", ").append(caps.fs().id()).append(", page ")
        .append(caps.pageSize()).append(", block ").append(caps.blockSize()).append(", ").append(caps.summary())
        .append('\n');
    long bad = firstBadOffset();
    if (bad >= 0 || shownMismatch() >= 0) {
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

  /**
   * The index of the first compared byte that differs, whatever they belong to (an anonymous mapping's
   * page too, which has no file), or -1: the byte table shows them.
   */
  private int shownMismatch() {
    if (report != null || expected.data() == null || actual.data() == null) {
      return -1;
    }
    int i = expected.data().firstMismatch(actual.data());
    return i < 0 || i >= actual.data().length || i >= expected.data().length() ? -1 : i;
  }

  private void appendByteTable(StringBuilder sb) {
    Cells exp = expected.data();
    byte[] act = actual.data();
    int n = Math.min(exp.length(), act.length);
    sb.append(String.format("  bytes of %s:%n    %-10s %-28s %s%n", dataFile != null ? dataFile : subject
        + ", from its start", "OFFSET", "EXPECTED", "ACTUAL"));
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

  /**
   * The ops whose tag pattern the actual run of bytes carries, like fsx's "operation# (mod 256)": ops that
   * wrote this file directly, and ops that wrote another file whose bytes a reflink or clone carried here.
   */
  private String whoWrote(byte[] act, int i, int run) {
    if (allZero(act, i, run)) {
      return "zero";
    }
    List<String> who = new ArrayList<>();
    for (Origin o : originsOfPrefix(act, i, run)) {
      who.add(o.describe(program));
    }
    return who.isEmpty() ? "no op's pattern" : "pattern of " + String.join("; ", who);
  }

  /**
   * Where a byte pattern came from: op {@code writer} wrote it into {@code file}, and each op of
   * {@code carriers} (latest first) carried it on to the next file.
   */
  private record Origin(int writer, FileId file, List<Integer> carriers) {
    String describe(Program p) {
      StringBuilder sb = new StringBuilder("op " + writer + " " + p.op(writer).kind().id() + " (" + file + ")");
      for (int k = carriers.size() - 1; k >= 0; k--) {
        sb.append(", carried by op ").append(carriers.get(k)).append(' ').append(p.op(carriers.get(k)).kind().id());
      }
      return sb.toString();
    }
  }

  /** The origins of {@code act[i, i+run)}, read at {@code offset} of {@code file}, among ops before {@code before}. */
  private List<Origin> origins(FileId file, long offset, byte[] act, int i, int run, int before) {
    List<Origin> out = new ArrayList<>();
    for (int j = 0; j < before && j < program.size(); j++) {
      Op op = program.op(j);
      Footprint w = op.tagged(program, caps.pageSize());
      if (w != null && java.util.Objects.equals(w.file(), file) && offset >= w.from() && offset + run <= w.to()) {
        boolean all = true;
        for (int k = 0; k < run && all; k++) {
          all = Tag.byteAt(j, offset + k) == act[i + k];
        }
        if (all) {
          out.add(new Origin(j, file, List.of()));
        }
      }
      Op.Carry c = op.carried();
      if (c != null && java.util.Objects.equals(c.dst(), file) && offset >= c.dstFrom() && offset + run - c.dstFrom() <= c.length()) {
        for (Origin o : origins(c.src(), c.srcFrom() + (offset - c.dstFrom()), act, i, run, j)) {
          List<Integer> carriers = new ArrayList<>(o.carriers);
          carriers.add(0, j);
          out.add(new Origin(o.writer, o.file, List.copyOf(carriers)));
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return render(null);
  }

}
