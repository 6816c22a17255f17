package io.hmmfuzz.core.op;

/** A file of the program, printed {@code f0, f1, ...} (syzkaller-style resource names). */
public record FileId(int n) implements Comparable<FileId> {
  public FileId {
    if (n < 0) {
      throw new IllegalArgumentException("file index must be >= 0");
    }
  }

  @Override
  public String toString() {
    return "f" + n;
  }

  @Override
  public int compareTo(FileId o) {
    return Integer.compare(n, o.n);
  }
}
