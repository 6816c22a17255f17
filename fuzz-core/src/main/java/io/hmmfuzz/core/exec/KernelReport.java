package io.hmmfuzz.core.exec;

/**
 * A report the kernel logged while a program ran (WARNING, BUG, Oops, KASAN, lockdep, ...): a finding of
 * its own kind, whatever the model says.
 *
 * @param title   the report's first line without CPU, PID and addresses, stable across runs, e.g.
 *                "WARNING at lib/test_hmm.c:280 dmirror_do_fault"
 * @param excerpt the log lines of the report
 */
public record KernelReport(String title, String excerpt) {
  /** The finding's signature: the title (blanks as underscores, header values have none). */
  public io.hmmfuzz.core.run.Signature signature() {
    return io.hmmfuzz.core.run.Signature.kernel(title);
  }
}
