package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.op.Op;
import java.util.List;

/** A real Linux kernel as a target: the local one ({@link LinuxTarget}) or a guest's through the C executor. */
public interface KernelTarget extends Target {
  /** Where each capability came from, one line each: what {@code hmmfuzz probe} prints. */
  List<String> evidence();

  /** Whether reports the kernel logs (WARNING, BUG, ...) are read and become findings. */
  boolean kernelLogWatched();

  /** Writes one line to the kernel's log (/dev/kmsg), as a planted bug's WARNING does. */
  void logToKernel(String line);

  /**
   * The floor of this target's speed: {@code programs} run by the C executor alone (no host in the
   * loop, no model, no comparison), each in a fresh directory and going on with one device mirror as a
   * campaign's programs do, with the views every {@code viewEvery} ops (-1: none; the device mirror's
   * among them where test_hmm is there): the time taken, and where it went.
   */
  default ExecutorKernel.Floor floor(List<List<Op>> programs, int viewEvery) {
    try (Session s = openSession()) {
      if (!(s.kernel() instanceof ExecutorKernel k)) {
        throw new IllegalStateException("the floor is the C executor's; " + describe() + " runs JNA");
      }
      return k.floor(programs, viewEvery, capabilities().testHmm());
    }
  }
}
