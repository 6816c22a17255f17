package io.hmmfuzz.guests;

import io.hmmfuzz.core.exec.InfrastructureException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Measurements in a guest whose kernel under test may die of a known bug (test_hmm's Oopses) while one
 * runs: a measurement is taken whole or not at all, so one that a kernel death interrupts is taken again
 * (in a fresh guest, which the next target brings), at most {@code limit} times in all. A guest lost to
 * the infrastructure is not a kernel death: it ends the measurements.
 */
public final class Remeasure {
  private final int limit;
  private int again;

  public Remeasure(int limit) {
    this.limit = limit;
  }

  /**
   * The result of {@code measure}, taken again after each kernel death. {@code died} turns the failure
   * into the guest's death, dropping the guest (it throws for a lost guest); {@code told} hears of each
   * death before the measurement is taken again.
   *
   * @throws InfrastructureException when the kernel died more than {@code limit} times in all
   */
  public <T> T take(Supplier<T> measure, Function<InfrastructureException, Death> died, Consumer<Death> told) {
    while (true) {
      try {
        return measure.get();
      } catch (InfrastructureException e) {
        Death d = died.apply(e);
        if (++again > limit) {
          throw new InfrastructureException("the kernel under test died " + again + " times during the measurements,"
              + " the last of " + d.signature() + ": too often to measure", e);
        }
        told.accept(d);
      }
    }
  }

  /** How many measurements were taken again, in all. */
  public int again() {
    return again;
  }
}
