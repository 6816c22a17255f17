package io.hmmfuzz.core.model;

import io.hmmfuzz.core.op.Tag;
import java.util.Arrays;

/**
 * Expected bytes with their provenance. Each cell holds the value the model predicts, the index of the
 * op that decided it (-1: never written, a hole's zero), and whether the byte may also legitimately
 * read as zero (U1: writeback may zero post-EOF bytes at any moment). The allowed set of a cell is
 * therefore {value} or {value, 0}, never "anything".
 *
 * <p>The cells are kept as ranges, not byte by byte: a run of cells shares its writer and its
 * maybe-zero flag, and its values are a stretch of a shared, never-written array (an op's tag bytes,
 * zeros, or given bytes). So a write, a copy (a reflink, a private page, a view's snapshot) and a
 * resize cost per run, not per byte, and a comparison is a comparison of arrays.
 */
public final class Cells {
  public static final int NO_WRITER = -1;

  /** What a run's values are: all zero, an op's tag bytes (never zero), or given bytes (any). */
  private enum Kind { ZEROS, TAGS, GIVEN }

  /**
   * Cells [start, end) whose values are {@code values[from + (i - start)]}, decided by op {@code writer};
   * {@code maybeZero}: each nonzero value may also read as zero (U1). {@code values} is never written.
   */
  private record Run(int start, int end, Kind kind, byte[] values, int from, int writer, boolean maybeZero) {
    byte value(int i) {
      return values[from + i - start];
    }

    /** This run's cells in [a, b), moved by {@code shift}. */
    Run clip(int a, int b, int shift) {
      return new Run(a + shift, b + shift, kind, values, from + a - start, writer, maybeZero);
    }

    Run flagged(boolean flag) {
      return new Run(start, end, kind, values, from, writer, flag);
    }

    /**
     * This run and {@code next} as one, where {@code next} goes on where this one ends with the same
     * writer, flag and values (zeros, or the same array further on); else null.
     */
    Run joined(Run next) {
      if (next.start != end || next.kind != kind || next.writer != writer || next.maybeZero != maybeZero) {
        return null;
      }
      if (kind == Kind.ZEROS) {
        return new Run(start, next.end, kind, zeros(next.end - start), 0, writer, maybeZero);
      }
      return next.values == values && next.from == from + end - start
          ? new Run(start, next.end, kind, values, from, writer, maybeZero) : null;
    }
  }

  private Run[] runs = new Run[4];
  private int count;
  private int length;

  public Cells(int length) {
    resize(length);
  }

  /** Definite cells holding exactly {@code bytes}, with no provenance. */
  public static Cells exactly(byte[] bytes) {
    Cells c = new Cells(0);
    c.length = bytes.length;
    if (bytes.length > 0) {
      c.runs[c.count++] = new Run(0, bytes.length, Kind.GIVEN, bytes.clone(), 0, NO_WRITER, false);
    }
    return c;
  }

  public int length() {
    return length;
  }

  public byte value(int i) {
    return run(i).value(i);
  }

  public int writer(int i) {
    return run(i).writer();
  }

  public boolean maybeZero(int i) {
    Run r = run(i);
    return r.maybeZero() && r.value(i) != 0;
  }

  public boolean allows(int i, byte actual) {
    Run r = run(i);
    byte v = r.value(i);
    return v == actual || (r.maybeZero() && actual == 0);
  }

  /** Grows (with zero cells) or shrinks to {@code n} cells. */
  public void resize(int n) {
    if (n > length) {
      Run zeros = new Run(length, n, Kind.ZEROS, zeros(n - length), 0, NO_WRITER, false);
      insert(count, zeros);
    } else if (n < length) {
      int k = split(n);
      Arrays.fill(runs, k, count, null);
      count = k;
    }
    length = n;
  }

  /** Cells [from, to) hold the tag bytes op {@code op} wrote at file offsets from {@code fileOffset} on. */
  public void tag(int from, int to, int op, long fileOffset) {
    if (to <= from) {
      return;
    }
    byte[] row = fileOffset < 0 ? null : Tag.row(op, fileOffset + (to - from));
    Run r = row != null ? new Run(from, to, Kind.TAGS, row, (int) fileOffset, op, false)
        : new Run(from, to, Kind.TAGS, Tag.bytes(op, fileOffset, to - from), 0, op, false);
    replace(from, to, r);
  }

  /** Definite zeros over [from, to), decided by op {@code op}. */
  public void zero(int from, int to, int op) {
    if (to > from) {
      replace(from, to, new Run(from, to, Kind.ZEROS, zeros(to - from), 0, op, false));
    }
  }

  /** The cells in [from, to) may also read as zero from now on (U1). */
  public void allowZero(int from, int to) {
    rewrite(from, to, (r, out) -> {
      switch (r.kind()) {
        case ZEROS -> out.accept(r);
        case TAGS -> out.accept(r.flagged(true));
        case GIVEN -> {
          // Only the nonzero ones: a zero value stays definite.
          int s = r.start();
          while (s < r.end()) {
            boolean nonzero = r.value(s) != 0;
            int e = s + 1;
            while (e < r.end() && (r.value(e) != 0) == nonzero) {
              e++;
            }
            Run part = r.clip(s, e, 0);
            out.accept(nonzero ? part.flagged(true) : part);
            s = e;
          }
        }
      }
    });
  }

  /** Cells in [from, to) that may have been zeroed now definitely were (explicit writeback, R13). */
  public void settleZero(int from, int to, int op) {
    rewrite(from, to, (r, out) -> out.accept(r.maybeZero()
        ? new Run(r.start(), r.end(), Kind.ZEROS, zeros(r.end() - r.start()), 0, op, false) : r));
  }

  /** Replaces each run of [from, to) by the runs {@code each} gives for it, in order. */
  private void rewrite(int from, int to, java.util.function.BiConsumer<Run, java.util.function.Consumer<Run>> each) {
    checkRange(from, to);
    if (to == from) {
      return;
    }
    int a = split(from);
    int b = split(to);
    java.util.List<Run> out = new java.util.ArrayList<>(b - a);
    for (int k = a; k < b; k++) {
      each.accept(runs[k], out::add);
    }
    replaceRuns(a, b, out.toArray(new Run[0]), out.size());
  }

  public void copyFrom(Cells src, int srcFrom, int dstFrom, int n) {
    if (n <= 0) {
      return;
    }
    Run[] out = src.clipped(srcFrom, srcFrom + n, dstFrom - srcFrom);
    replace(dstFrom, dstFrom + n, out);
  }

  public Cells slice(int from, int to) {
    Cells c = new Cells(0);
    c.runs = clipped(from, to, -from);
    c.count = c.runs.length;
    c.length = to - from;
    if (c.runs.length == 0) {
      c.runs = new Run[4];
    }
    return c;
  }

  /** Appends the cells of {@code other}. */
  public Cells append(Cells other) {
    int old = length;
    resize(length + other.length);
    copyFrom(other, 0, old, other.length);
    return this;
  }

  /** Index of the first cell {@code actual} violates, or -1. */
  public int firstMismatch(byte[] actual) {
    int n = Math.min(length, actual.length);
    for (int k = 0; k < count && runs[k].start() < n; k++) {
      Run r = runs[k];
      int from = r.start();
      int to = Math.min(r.end(), n);
      // Arrays.mismatch compares many bytes at a time; only where a byte differs can a maybe-zero cell
      // still allow it.
      while (from < to) {
        int d = Arrays.mismatch(r.values(), r.from() + from - r.start(), r.from() + to - r.start(), actual, from, to);
        if (d < 0) {
          break;
        }
        int i = from + d;
        if (!(r.maybeZero() && actual[i] == 0)) {
          return i;
        }
        from = i + 1;
      }
    }
    return length == actual.length ? -1 : n;
  }

  /**
   * A run of cells as an exporter sees it (the standalone C reproducer): cells [start, end), decided by
   * op {@code writer}, each nonzero value of which may also read as zero if {@code maybeZero}; their
   * values are {@code values} (a copy), which were {@code values[0]} of their source array at index
   * {@code sourceIndex} (for an op's tag bytes: the file offset of the first, where the run came from a
   * tag row).
   */
  public record Span(int start, int end, int writer, boolean maybeZero, byte[] values, int sourceIndex) {}

  /** The runs of these cells, in order. */
  public java.util.List<Span> spans() {
    java.util.List<Span> out = new java.util.ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      Run r = runs[k];
      out.add(new Span(r.start(), r.end(), r.writer(), r.maybeZero(),
          Arrays.copyOfRange(r.values(), r.from(), r.from() + r.end() - r.start()), r.from()));
    }
    return out;
  }

  // ---- runs ---------------------------------------------------------------------------------

  private Run run(int i) {
    if (i < 0 || i >= length) {
      throw new IndexOutOfBoundsException("cell " + i + " of " + length);
    }
    return runs[find(i)];
  }

  /** The index of the run holding cell {@code i} (0 <= i < length). */
  private int find(int i) {
    int lo = 0;
    int hi = count - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (runs[mid].start() <= i) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Makes a run start at {@code pos} (0 <= pos <= length); the index of that run (count at the end). */
  private int split(int pos) {
    if (pos >= length) {
      return count;
    }
    int k = find(pos);
    Run r = runs[k];
    if (r.start() == pos) {
      return k;
    }
    if (count == runs.length) {
      runs = Arrays.copyOf(runs, 2 * count);
    }
    System.arraycopy(runs, k + 1, runs, k + 2, count - k - 1);
    runs[k] = r.clip(r.start(), pos, 0);
    runs[k + 1] = r.clip(pos, r.end(), 0);
    count++;
    return k + 1;
  }

  /** The runs over [from, to), clipped to it and moved by {@code shift}. */
  private Run[] clipped(int from, int to, int shift) {
    checkRange(from, to);
    if (to == from) {
      return new Run[0];
    }
    int a = find(from);
    int b = find(to - 1);
    Run[] out = new Run[b - a + 1];
    for (int k = a; k <= b; k++) {
      Run r = runs[k];
      out[k - a] = r.clip(Math.max(from, r.start()), Math.min(to, r.end()), shift);
    }
    return out;
  }

  /** Cells [from, to) become {@code with} (runs covering exactly [from, to), in order). */
  private void replace(int from, int to, Run... with) {
    checkRange(from, to);
    int a = split(from);
    int b = split(to);
    replaceRuns(a, b, with, with.length);
  }

  private void checkRange(int from, int to) {
    if (from < 0 || to < from || to > length) {
      throw new IndexOutOfBoundsException("cells [" + from + ", " + to + ") of " + length);
    }
  }

  private void insert(int at, Run r) {
    replaceRuns(at, at, new Run[] {r}, 1);
  }

  /** Runs [a, b) become {@code with[0, n)}, joined with their neighbours where they go on from them. */
  private void replaceRuns(int a, int b, Run[] with, int n) {
    Run[] merged = new Run[n];
    int m = 0;
    for (int k = 0; k < n; k++) {
      Run j = m > 0 ? merged[m - 1].joined(with[k]) : null;
      if (j != null) {
        merged[m - 1] = j;
      } else {
        merged[m++] = with[k];
      }
    }
    Run j = m > 0 && a > 0 ? runs[a - 1].joined(merged[0]) : null;
    if (j != null) {
      merged[0] = j;
      a--;
    }
    j = m > 0 && b < count ? merged[m - 1].joined(runs[b]) : null;
    if (j != null) {
      merged[m - 1] = j;
      b++;
    }
    int newCount = count - (b - a) + m;
    if (newCount > runs.length) {
      runs = Arrays.copyOf(runs, Math.max(newCount, runs.length * 2));
    }
    System.arraycopy(runs, b, runs, a + m, count - b);
    System.arraycopy(merged, 0, runs, a, m);
    for (int k = newCount; k < count; k++) {
      runs[k] = null;
    }
    count = newCount;
  }

  /** Zeros shared by every zero run: never written. */
  private static volatile byte[] zeros = new byte[1 << 16];

  private static byte[] zeros(int n) {
    byte[] z = zeros;
    if (z.length < n) {
      z = new byte[Math.max(n, 2 * z.length)];
      zeros = z;
    }
    return z;
  }
}
