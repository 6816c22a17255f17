package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Capabilities;

/** Something programs run on: a kernel with a scratch filesystem. */
public interface Target extends AutoCloseable {
  /** Probed capabilities of the filesystem under test. */
  Capabilities capabilities();

  /** A fresh scratch directory for one program; closing it removes everything the program made. */
  Session openSession();

  /** A short description for reports, e.g. "linux 6.18.44 xfs on loop". */
  String describe();

  @Override
  void close();

  /** One program's worth of kernel. */
  interface Session extends AutoCloseable {
    Kernel kernel();

    /** Reports the kernel logged since the last call (none where the target cannot read the kernel log). */
    default java.util.List<KernelReport> kernelReports() {
      return java.util.List.of();
    }

    @Override
    void close();
  }
}
