package io.hmmfuzz.gen;

import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.core.repro.ProgramText;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * From a divergence to a reproducer (syzkaller pkg/repro's extract, minimize, reliability): re-run with
 * every view checked after every op to pin the first divergent op, shrink while the divergence keeps
 * its signature, then re-run the result several times and record how often it reproduces. The views
 * are operations too (a CPU view faults pages in and migrates device pages back), so a divergence that
 * needs them away is re-run, shrunk and recorded with the views as the campaign checked them.
 *
 * @param program      the minimal program (the original if it never reproduced)
 * @param divergence   the divergence of the minimal program (the original's if it never reproduced)
 * @param reproduced   how many of {@code attempts} final runs diverged with the same signature
 * @param attempts     final runs
 * @param candidates   shrink candidates run
 * @param millis       time spent
 * @param viewEvery    the view interval the reduction ran with (1 unless only the campaign's reproduced)
 */
public record Reduction(Program program, Divergence divergence, int reproduced, int attempts, int candidates,
    long millis, int viewEvery) {

  public static Reduction of(Runner precise, Program original, Divergence found, int attempts) {
    return of(precise, null, original, found, attempts);
  }

  /**
   * The divergence re-run and pinned: the runner that showed it and what it showed.
   *
   * @param runner     the runner that reproduced it
   * @param divergence its first divergence there (the signature the shrinker keeps)
   * @param runs       runs it took
   */
  public record Pinned(Runner runner, Divergence divergence, int runs) {}

  /**
   * Re-runs {@code original} to pin its divergence. The views are operations too (a CPU view faults
   * pages in and migrates device pages back), so a divergence the precise runner does not show is tried
   * with views only after the last op (stable while ops are removed), on the program cut after the op it
   * was found at (no later op can matter to it, and the views then come exactly where they showed it),
   * then with the campaign's runner {@code asFound} (may be null), each with a fresh device mirror, as the
   * reproducer will run. A kernel report must come back with the same signature (another divergence of
   * the program does not pin it). Null if it never came back.
   */
  public static Pinned pin(Runner precise, Runner asFound, Program original, Divergence found) {
    List<Runner> runners = new ArrayList<>(List.of(precise));
    if (asFound != null) {
      runners.add(new Runner(precise.target(), 0, null, precise.onStart()));
      runners.add(asFound.withMirror(Target.Mirror.FRESH));
    }
    int upTo = Math.min(original.size(), found.opIndex() + 1);
    Program cut = upTo < original.size() ? original.withOps(original.ops().subList(0, upTo)) : original;
    int runs = 0;
    for (Runner r : runners) {
      Program p = r.viewEvery() == 0 && cut.valid() ? cut : original;
      for (int i = 0; i < 3; i++) {
        runs++;
        Divergence d = r.run(p).divergence();
        if (d != null && (found.report() == null || d.signature().equals(found.signature()))) {
          return new Pinned(r, d, runs);
        }
      }
    }
    return null;
  }

  /** Pins, then shrinks: {@link #pin} then {@link #shrink}; the original, reproduced 0/0, if it never came back. */
  public static Reduction of(Runner precise, Runner asFound, Program original, Divergence found, int attempts) {
    long t0 = System.nanoTime();
    Pinned pinned = pin(precise, asFound, original, found);
    return pinned == null ? unreproduced(original, found, t0, precise.viewEvery())
        : shrink(pinned, original, attempts, t0);
  }

  /** The original program as found, for a divergence that never came back (reproduced 0/0). */
  public static Reduction unreproduced(Program original, Divergence found, long startNanos, int viewEvery) {
    return new Reduction(original, found, 0, 0, 0, (System.nanoTime() - startNanos) / 1_000_000, viewEvery);
  }

  /** Shrinks a pinned divergence while it keeps its signature, then re-runs the result {@code attempts} times. */
  public static Reduction shrink(Pinned pinned, Program original, int attempts, long startNanos) {
    Runner runner = pinned.runner();
    Signature signature = pinned.divergence().signature();
    Shrinker shrinker = new Shrinker(p -> {
      RunResult r = runner.run(p);
      return r.diverged() && r.divergence().signature().equals(signature);
    });
    Program minimal = shrinker.shrink(original, pinned.divergence().opIndex());
    Divergence last = pinned.divergence();
    int ok = 0;
    for (int i = 0; i < attempts; i++) {
      RunResult r = runner.run(minimal);
      if (r.diverged() && r.divergence().signature().equals(signature)) {
        ok++;
        last = r.divergence();
      }
    }
    return new Reduction(minimal, last, ok, attempts, shrinker.runs() + pinned.runs(),
        (System.nanoTime() - startNanos) / 1_000_000, runner.viewEvery());
  }

  /**
   * Shrinks a program that crashed or hung a kernel, in a kernel that may not survive a candidate: a
   * candidate counts as reproducing here only when the kernel reports {@code signature} and lives on. One
   * that kills the kernel never returns; whoever watches the kernel (a VM host) takes the program the
   * runner announced last (its in-flight file) and starts again from it in a fresh kernel, as syzkaller's
   * repro does across VMs. {@code known} tells candidates known not to reproduce (run in earlier kernels);
   * each candidate that runs and does not reproduce goes to {@code notReproduced}.
   *
   * @return the smallest program that reproduced here, or {@code original}
   */
  public static Program shrinkFatal(Runner runner, Program original, Signature signature, Predicate<String> known,
      Consumer<String> notReproduced) {
    Shrinker shrinker = new Shrinker(p -> {
      String text = ProgramText.print(p);
      if (known.test(text)) {
        return false;
      }
      RunResult r = runner.run(p);
      boolean same = r.diverged() && r.divergence().signature().equals(signature);
      if (!same) {
        notReproduced.accept(text);
      }
      return same;
    });
    return shrinker.shrink(original, original.size() - 1);
  }
}
