package io.hmmfuzz.guests;

import io.hmmfuzz.core.exec.InfrastructureException;
import java.util.List;

/** A guest that did not boot (QEMU ended, or no hello from its executor in time): the infrastructure's failure. */
public final class BootFailure extends InfrastructureException {
  private static final long serialVersionUID = 1L;

  private final List<String> consoleTail;

  public BootFailure(String message, List<String> consoleTail, Throwable cause) {
    super(message, cause);
    this.consoleTail = List.copyOf(consoleTail);
  }

  public BootFailure(String message, List<String> consoleTail) {
    this(message, consoleTail, null);
  }

  /** The console's last lines before the boot was given up. */
  public List<String> consoleTail() {
    return consoleTail;
  }
}
