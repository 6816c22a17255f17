package io.hmmfuzz.core.model;

import java.util.Arrays;

/**
 * Expected bytes with their provenance. Each cell holds the value the model predicts, the index of the
 * op that decided it (-1: never written, a hole's zero), and whether the byte may also legitimately
 * read as zero (U1: writeback may zero post-EOF bytes at any moment). The allowed set of a cell is
 * therefore {value} or {value, 0}, never "anything".
 */
public final class Cells {
  public static final int NO_WRITER = -1;

  private byte[] value;
  /** The writing op's index + 1, so that a fresh (zeroed) array means "never written" without a fill. */
  private int[] writerPlusOne;
  private boolean[] maybeZero;
  private int length;

  public Cells(int length) {
    this.value = new byte[length];
    this.writerPlusOne = new int[length];
    this.maybeZero = new boolean[length];
    this.length = length;
  }

  /** Definite cells holding exactly {@code bytes}, with no provenance. */
  public static Cells exactly(byte[] bytes) {
    Cells c = new Cells(bytes.length);
    System.arraycopy(bytes, 0, c.value, 0, bytes.length);
    return c;
  }

  public int length() {
    return length;
  }

  public byte value(int i) {
    return value[i];
  }

  public int writer(int i) {
    return writerPlusOne[i] - 1;
  }

  public boolean maybeZero(int i) {
    return maybeZero[i];
  }

  public boolean allows(int i, byte actual) {
    return value[i] == actual || (maybeZero[i] && actual == 0);
  }

  /** Grows (with zero cells) or shrinks to {@code n} cells. */
  public void resize(int n) {
    if (n > value.length) {
      int cap = Math.max(n, value.length * 2);
      value = Arrays.copyOf(value, cap);
      writerPlusOne = Arrays.copyOf(writerPlusOne, cap);
      maybeZero = Arrays.copyOf(maybeZero, cap);
    }
    if (n < length) {
      zero(n, length, NO_WRITER);
    }
    length = n;
  }

  public void set(int i, byte v, int op) {
    value[i] = v;
    writerPlusOne[i] = op + 1;
    maybeZero[i] = false;
  }

  /** Definite zeros over [from, to), decided by op {@code op}. */
  public void zero(int from, int to, int op) {
    for (int i = from; i < to; i++) {
      set(i, (byte) 0, op);
    }
  }

  /** The cells in [from, to) may also read as zero from now on (U1). */
  public void allowZero(int from, int to) {
    for (int i = from; i < to; i++) {
      if (value[i] != 0) {
        maybeZero[i] = true;
      }
    }
  }

  /** Cells in [from, to) that may have been zeroed now definitely were (explicit writeback, R13). */
  public void settleZero(int from, int to, int op) {
    for (int i = from; i < to; i++) {
      if (maybeZero[i]) {
        set(i, (byte) 0, op);
      }
    }
  }

  public void copyFrom(Cells src, int srcFrom, int dstFrom, int n) {
    System.arraycopy(src.value, srcFrom, value, dstFrom, n);
    System.arraycopy(src.writerPlusOne, srcFrom, writerPlusOne, dstFrom, n);
    System.arraycopy(src.maybeZero, srcFrom, maybeZero, dstFrom, n);
  }

  public Cells slice(int from, int to) {
    Cells c = new Cells(to - from);
    c.copyFrom(this, from, 0, to - from);
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
    // Arrays.mismatch compares many bytes at a time; only where a byte differs can a maybe-zero cell
    // still allow it.
    int from = 0;
    while (from < n) {
      int d = Arrays.mismatch(value, from, n, actual, from, n);
      if (d < 0) {
        break;
      }
      int i = from + d;
      if (!allows(i, actual[i])) {
        return i;
      }
      from = i + 1;
    }
    return length == actual.length ? -1 : n;
  }
}
