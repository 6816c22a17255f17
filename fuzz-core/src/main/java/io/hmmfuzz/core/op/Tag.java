package io.hmmfuzz.core.op;

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
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = byteAt(op, fileOffset + i);
    }
    return b;
  }
}
