package io.hmmfuzz.core.exec;

/** The reference model reached a state it should never reach: our bug, not the kernel's. */
public class ModelBugException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelBugException(String message) {
    super(message);
  }
}
