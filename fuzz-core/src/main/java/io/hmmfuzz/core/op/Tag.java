package io.hmmfuzz.core.op;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data pattern of written bytes. fsx stamps the op number mod 256 into every byte; here each byte
 * is a hash of (op index, file offset), never zero. A single byte narrows its writer to 1/255 of the
 * ops, and a run of a few stale bytes names the one op that wrote them ({@code Provenance}).
 */
public final class Tag {
  private Tag() {}

  public static byte byteAt(int op, long fileOffset) {
    long h = (op + 1) * 0x9E3779B97F4A7C15L ^ fileOffset * 0xC2B2AE3D27D4EB4FL;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    // 1..255 from the hash's high 32 bits by a multiply and a shift (a division per byte was a tenth of
    // a campaign's time).
    return (byte) (1 + (((h >>> 32) * 255) >>> 32));
  }

  /** Tagged bytes of op {@code op} for file offsets [fileOffset, fileOffset + length). */
  public static byte[] bytes(int op, long fileOffset, int length) {
    byte[] row = fileOffset < 0 ? null : row(op, fileOffset + length);
    if (row != null) {
      return Arrays.copyOfRange(row, (int) fileOffset, (int) fileOffset + length);
    }
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = byteAt(op, fileOffset + i);
    }
    return b;
  }

  /** The ops and the file offsets whose tag bytes are kept, computed once. */
  private static final int KEPT_OPS = 256;
  private static final int KEPT_BYTES = 1 << 17;
  private static final AtomicReferenceArray<byte[]> ROWS = new AtomicReferenceArray<>(KEPT_OPS);

  /**
   * The tag bytes of op {@code op} for file offsets [0, end) at least, computed once and shared (the
   * model's cells refer to them): never to be written. Null beyond the ops and offsets kept.
   */
  public static byte[] row(int op, long end) {
    if (op < 0 || op >= KEPT_OPS || end > KEPT_BYTES) {
      return null;
    }
    byte[] row = ROWS.get(op);
    if (row == null || row.length < end) {
      int n = (int) Math.min(KEPT_BYTES, Math.max(end, Math.max(1 << 15, row == null ? 0 : 2L * row.length)));
      byte[] grown = new byte[n];
      for (int i = 0; i < n; i++) {
        grown[i] = byteAt(op, i);
      }
      // Two threads may both compute a row: the same bytes either way.
      ROWS.set(op, grown);
      row = grown;
    }
    return row;
  }
}
