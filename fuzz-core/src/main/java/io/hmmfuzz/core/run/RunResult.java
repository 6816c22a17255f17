package io.hmmfuzz.core.run;

/** One program run: how many ops ran, and the divergence if one was found (null otherwise). */
public record RunResult(int opsExecuted, Divergence divergence) {
  public boolean diverged() {
    return divergence != null;
  }
}
