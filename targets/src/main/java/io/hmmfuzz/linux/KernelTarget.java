package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.Target;
import java.util.List;

/** A real Linux kernel as a target: the local one ({@link LinuxTarget}) or a guest's through the C executor. */
public interface KernelTarget extends Target {
  /** Where each capability came from, one line each: what {@code hmmfuzz probe} prints. */
  List<String> evidence();

  /** Whether reports the kernel logs (WARNING, BUG, ...) are read and become findings. */
  boolean kernelLogWatched();

  /** Writes one line to the kernel's log (/dev/kmsg), as a planted bug's WARNING does. */
  void logToKernel(String line);
}
