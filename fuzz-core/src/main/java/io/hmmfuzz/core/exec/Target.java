package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Capabilities;
import java.util.List;

/** Something programs run on: a kernel with a scratch filesystem. */
public interface Target extends AutoCloseable {
  /** Probed capabilities of the filesystem under test. */
  Capabilities capabilities();

  /** A fresh scratch directory for one program; closing it removes everything the program made. */
  Session openSession();

  /** Reports the kernel logged since the last call (none where the target cannot read the kernel log). */
  default List<KernelReport> kernelReports() {
    return List.of();
  }

  /**
   * Whether every program starts with the kernel's one-shot warnings (WARN_ON_ONCE) re-armed, so a
   * warning that comes back is reported again rather than going silent.
   */
  default boolean rearmsOneShotReports() {
    return false;
  }

  /**
   * Whether a whole program may be started on this target while the one before it is still being
   * checked: its executor takes programs in the order they were sent and the records of each stay its
   * own, so the host checks program i while the executor runs program i+1.
   */
  default boolean queuesPrograms() {
    return false;
  }

  /** A short description for reports, e.g. "linux 6.18.44 xfs on loop". */
  String describe();

  @Override
  void close();

  /** One program's worth of kernel. */
  interface Session extends AutoCloseable {
    Kernel kernel();

    /**
     * Starts the whole program on an executor that runs programs in one message (the C executor), with
     * the views read after every {@code viewEvery}-th op (0: never) and after the last, the device
     * mirror's among them if {@code deviceViews}; null where this session runs ops one call at a time
     * through {@link #kernel()}.
     */
    default ProgramRun runWhole(List<io.hmmfuzz.core.op.Op> ops, int viewEvery, boolean deviceViews) {
      return null;
    }

    @Override
    void close();
  }
}
