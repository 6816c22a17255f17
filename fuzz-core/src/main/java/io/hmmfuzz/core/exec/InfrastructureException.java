package io.hmmfuzz.core.exec;

/** The test harness failed (a mount, a mkfs, a VM boot): nobody's finding, the run cannot go on. */
public class InfrastructureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InfrastructureException(String message) {
    super(message);
  }

  public InfrastructureException(String message, Throwable cause) {
    super(message, cause);
  }
}
