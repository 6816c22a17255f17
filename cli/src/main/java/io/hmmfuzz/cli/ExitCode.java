package io.hmmfuzz.cli;

/** The command's exit codes, in one place. */
final class ExitCode {
  private ExitCode() {}

  /** No divergence. */
  static final int OK = 0;
  /** A divergence was found (a finding). */
  static final int DIVERGENCE = 1;
  /** The command line or an input file is wrong. */
  static final int USAGE = 2;
  /** The harness failed (mount, mkfs, VM), or the model hit a state it should never reach (our bug). */
  static final int INFRASTRUCTURE = 3;
  /** A capability the run needs is missing; the message names the fix. */
  static final int SKIPPED = 4;
}
