package io.hmmfuzz.core.op;

/** A mapping of the program, printed {@code m0, m1, ...}. */
public record MapId(int n) implements Comparable<MapId> {
  public MapId {
    if (n < 0) {
      throw new IllegalArgumentException("mapping index must be >= 0");
    }
  }

  @Override
  public String toString() {
    return "m" + n;
  }

  @Override
  public int compareTo(MapId o) {
    return Integer.compare(n, o.n);
  }
}
