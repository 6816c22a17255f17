package io.hmmfuzz.core.op;

/**
 * The bytes of a file an op touches, for marking the op log in a divergence report the way fsx marks
 * {@code ***WWWW***}: mode W (writes or zeroes), R (reads), T (changes the size from {@code from} on).
 */
public record Footprint(FileId file, long from, long to, char mode) {
  public boolean covers(FileId f, long offset) {
    return file.equals(f) && offset >= from && offset < to;
  }
}
