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

  /**
   * The local kernel's executor when none is asked for: the C executor where gcc is there to build it
   * (a campaign on tmpfs makes about 1.45 times the ops/s with it: bench throughput), else this JVM.
   */
  public static ExecutorKind localDefault() {
    return ExecutorBuild.gcc() != null ? C : JNA;
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
