package io.hmmfuzz.gen;

import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import java.util.ArrayList;
import java.util.List;

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
   * As above; {@code asFound} (may be null) is the campaign's runner. The views are operations too (a
   * CPU view faults pages in and migrates device pages back), so a divergence the precise runner does
   * not show is tried with views only after the last op (stable while ops are removed), then with the
   * campaign's interval.
   */
  public static Reduction of(Runner precise, Runner asFound, Program original, Divergence found, int attempts) {
    long t0 = System.nanoTime();
    List<Runner> runners = new ArrayList<>(List.of(precise));
    if (asFound != null) {
      runners.add(new Runner(precise.target(), 0, null, precise.onStart()));
      runners.add(asFound);
    }
    Divergence pinned = null;
    Runner chosen = precise;
    for (Runner r : runners) {
      for (int i = 0; i < 3 && pinned == null; i++) {
        pinned = r.run(original).divergence();
      }
      if (pinned != null) {
        chosen = r;
        break;
      }
    }
    if (pinned == null) {
      return new Reduction(original, found, 0, 0, 3 * runners.size(), (System.nanoTime() - t0) / 1_000_000,
          precise.viewEvery());
    }
    Runner runner = chosen;
    String signature = pinned.signature();
    Shrinker shrinker = new Shrinker(p -> {
      RunResult r = runner.run(p);
      return r.diverged() && r.divergence().signature().equals(signature);
    });
    Program minimal = shrinker.shrink(original, pinned.opIndex());
    Divergence last = pinned;
    int ok = 0;
    for (int i = 0; i < attempts; i++) {
      RunResult r = runner.run(minimal);
      if (r.diverged() && r.divergence().signature().equals(signature)) {
        ok++;
        last = r.divergence();
      }
    }
    return new Reduction(minimal, last, ok, attempts, shrinker.runs() + 3, (System.nanoTime() - t0) / 1_000_000,
        runner.viewEvery());
  }
}
