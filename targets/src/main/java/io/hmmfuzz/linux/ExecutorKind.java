package io.hmmfuzz.linux;

import java.util.Locale;

/** What runs a program's system calls on the local kernel. */
public enum ExecutorKind {
  /** The C executor (executor.c) as a child process: the same code a guest runs. */
  C,
  /** This JVM itself, through JNA and bulk ByteBuffer copies. */
  JNA;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExecutorKind parse(String s) {
    for (ExecutorKind k : values()) {
      if (k.id().equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("expected c or jna, not " + s);
  }
}
