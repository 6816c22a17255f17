package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Capabilities;
import java.util.List;

/** Something programs run on: a kernel with a scratch filesystem. */
public interface Target extends AutoCloseable {
  /** Probed capabilities of the filesystem under test. */
  Capabilities capabilities();

  /** A fresh scratch directory for one program; closing it removes everything the program made. */
  Session openSession();

  /**
   * As {@link #openSession()}, for a program that may go on with the device mirror the program before
   * it left open ({@link Mirror#KEPT}) where the target keeps one.
   */
  default Session openSession(Mirror mirror) {
    return openSession();
  }

  /**
   * Which test_hmm mirror a program's device ops go through. Closing a mirror is not cheap: on 6.1,
   * dmirror_fops_release evicts every chunk of the device's memory (lib/test_hmm.c
   * dmirror_device_evict_chunk, 6 ms per close in a TCG guest, a third of a program's time). A correct
   * kernel leaves nothing of a released program in the mirror (munmap invalidates its range:
   * dmirror_interval_invalidate), so a program sees the same through either; a campaign's programs go
   * on with one, and a divergence is pinned, shrunk and replayed with fresh mirrors, as its reproducer
   * runs.
   */
  enum Mirror {
    /** Opened by the program's first device op, closed when the program is released. */
    FRESH,
    /** The mirror the program before left open, left open for the next. */
    KEPT
  }

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

  /**
   * Whether this target's executor can run an op's code in a forked child of the program's process
   * (the fork op, R110): the C executor can; a JVM cannot run Java in a forked child, so the JNA
   * executor cannot, and programs with fork are skipped there, naming {@code --executor c}. False
   * unless a target says so, so that a wrapper that does not ask its inner target never gets fork.
   */
  default boolean forks() {
    return false;
  }

  /**
   * Whether the kernel under test is the tool's own (a guest it booted), so that a program may change
   * state of the whole kernel beyond its own files and mappings (ops with {@code OpKind.systemWide}, e.g.
   * drop-caches, R120). The local kernel is the machine's: the tool changes only what it made there, so
   * such programs are never generated for it and are refused there, naming {@code --target vm}. False
   * unless a target says so, so that a wrapper that does not ask its inner target never gets them.
   */
  default boolean ownsKernel() {
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
