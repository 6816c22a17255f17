package io.hmmfuzz.core.exec;

/** A capability the run needs is missing (no root, no mkfs, no reflink): a skip, not a failure. The message names the fix. */
public class TargetUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TargetUnavailableException(String message) {
    super(message);
  }
}
