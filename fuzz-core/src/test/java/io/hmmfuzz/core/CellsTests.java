package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.op.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The model's cells, kept as ranges, against the plainest statement of what they hold: per cell a
 * value, a writer and a maybe-zero flag, changed byte by byte. Random writes, zeroing, U1 uncertainty,
 * copies, slices and resizes must leave both the same, cell by cell, and compare the same to actual
 * bytes.
 */
class CellsTests {
  /** The cells byte by byte. */
  private static final class Plain {
    byte[] value = new byte[0];
    int[] writer = new int[0];
    boolean[] maybeZero = new boolean[0];

    int length() {
      return value.length;
    }

    void resize(int n) {
      int old = value.length;
      value = Arrays.copyOf(value, n);
      writer = Arrays.copyOf(writer, n);
      maybeZero = Arrays.copyOf(maybeZero, n);
      for (int i = old; i < n; i++) {
        writer[i] = Cells.NO_WRITER;
      }
    }

    void set(int i, byte v, int op) {
      value[i] = v;
      writer[i] = op;
      maybeZero[i] = false;
    }

    boolean allows(int i, byte actual) {
      return value[i] == actual || (maybeZero[i] && actual == 0);
    }

    int firstMismatch(byte[] actual) {
      int n = Math.min(length(), actual.length);
      for (int i = 0; i < n; i++) {
        if (!allows(i, actual[i])) {
          return i;
        }
      }
      return length() == actual.length ? -1 : n;
    }

    Plain copy() {
      Plain p = new Plain();
      p.value = value.clone();
      p.writer = writer.clone();
      p.maybeZero = maybeZero.clone();
      return p;
    }
  }

  private static void same(Plain p, Cells c, String what) {
    assertEquals(p.length(), c.length(), what + ": length");
    for (int i = 0; i < p.length(); i++) {
      assertEquals(p.value[i], c.value(i), what + ": value of cell " + i);
      assertEquals(p.writer[i], c.writer(i), what + ": writer of cell " + i);
      assertEquals(p.maybeZero[i] && p.value[i] != 0, c.maybeZero(i), what + ": maybe-zero of cell " + i);
    }
  }

  @Test
  void rangesHoldWhatByteByByteCellsHold() {
    SplittableRandom rnd = new SplittableRandom(20261202L);
    for (int trial = 0; trial < 300; trial++) {
      Plain p = new Plain();
      Cells c = new Cells(0);
      List<Plain> plains = new ArrayList<>();
      List<Cells> kept = new ArrayList<>();
      for (int step = 0; step < 40; step++) {
        int len = p.length();
        int a = len == 0 ? 0 : rnd.nextInt(len + 1);
        int b = len == 0 ? 0 : a + rnd.nextInt(len - a + 1);
        int op = rnd.nextInt(12);
        String what = "trial " + trial + " step " + step;
        switch (rnd.nextInt(9)) {
          case 0 -> {
            int n = rnd.nextInt(300);
            p.resize(n);
            c.resize(n);
          }
          case 1 -> {
            long fileOffset = rnd.nextInt(5000);
            for (int i = a; i < b; i++) {
              p.set(i, Tag.byteAt(op, fileOffset + i - a), op);
            }
            c.tag(a, b, op, fileOffset);
          }
          case 2 -> {
            for (int i = a; i < b; i++) {
              p.set(i, (byte) 0, op);
            }
            c.zero(a, b, op);
          }
          case 3 -> {
            for (int i = a; i < b; i++) {
              if (p.value[i] != 0) {
                p.maybeZero[i] = true;
              }
            }
            c.allowZero(a, b);
          }
          case 4 -> {
            for (int i = a; i < b; i++) {
              if (p.maybeZero[i]) {
                p.set(i, (byte) 0, op);
              }
            }
            c.settleZero(a, b, op);
          }
          case 5 -> {
            // A copy from a snapshot kept earlier (a reflink from another file, a private page).
            if (!kept.isEmpty()) {
              int k = rnd.nextInt(kept.size());
              Plain sp = plains.get(k);
              int n = Math.min(b - a, sp.length());
              int from = sp.length() - n == 0 ? 0 : rnd.nextInt(sp.length() - n + 1);
              Plain before = sp.copy();
              for (int i = 0; i < n; i++) {
                p.value[a + i] = sp.value[from + i];
                p.writer[a + i] = sp.writer[from + i];
                p.maybeZero[a + i] = sp.maybeZero[from + i];
              }
              c.copyFrom(kept.get(k), from, a, n);
              same(before, kept.get(k), what + ": the source of a copy");
            }
          }
          case 6 -> {
            // A copy within the same cells (a clone range in one file).
            int n = b - a;
            int from = len - n == 0 ? 0 : rnd.nextInt(len - n + 1);
            Plain src = p.copy();
            for (int i = 0; i < n; i++) {
              p.value[a + i] = src.value[from + i];
              p.writer[a + i] = src.writer[from + i];
              p.maybeZero[a + i] = src.maybeZero[from + i];
            }
            c.copyFrom(c.slice(from, from + n), 0, a, n);
          }
          case 7 -> {
            Plain sp = new Plain();
            sp.value = Arrays.copyOfRange(p.value, a, b);
            sp.writer = Arrays.copyOfRange(p.writer, a, b);
            sp.maybeZero = Arrays.copyOfRange(p.maybeZero, a, b);
            plains.add(sp);
            kept.add(c.slice(a, b));
          }
          default -> {
            byte[] given = new byte[rnd.nextInt(20)];
            for (int i = 0; i < given.length; i++) {
              given[i] = rnd.nextInt(3) == 0 ? 0 : (byte) rnd.nextInt(256);
            }
            Cells g = Cells.exactly(given);
            Plain gp = new Plain();
            gp.resize(given.length);
            System.arraycopy(given, 0, gp.value, 0, given.length);
            int old = p.length();
            p.resize(old + given.length);
            System.arraycopy(gp.value, 0, p.value, old, given.length);
            c.append(g);
          }
        }
        same(p, c, what);
        for (int k = 0; k < kept.size(); k++) {
          same(plains.get(k), kept.get(k), what + ": snapshot " + k + " after a later change");
        }
        // Actual bytes: the expected ones, with a few changed (to zero or otherwise), maybe cut or longer.
        byte[] actual = Arrays.copyOf(p.value, Math.max(0, p.length() + rnd.nextInt(3) - 1));
        for (int k = rnd.nextInt(3); k > 0 && actual.length > 0; k--) {
          actual[rnd.nextInt(actual.length)] = rnd.nextBoolean() ? 0 : (byte) rnd.nextInt(256);
        }
        assertEquals(p.firstMismatch(actual), c.firstMismatch(actual), what + ": first mismatch");
      }
    }
  }
}
