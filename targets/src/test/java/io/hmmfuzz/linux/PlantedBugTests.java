package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.ProgramGenerator;
import io.hmmfuzz.gen.Reduction;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer must find each planted bug by generating programs, and shrink it to its known minimal
 * length (Jazzer's verify_crash_reproducer, applied to our differential setup).
 */
class PlantedBugTests {

  private static Reduction findAndShrink(PlantedBugTarget target, Profile profile) {
    ProgramGenerator gen = new ProgramGenerator(profile, target.capabilities());
    Runner runner = new Runner(target, 8);
    for (long seed = 1; seed <= 2000; seed++) {
      Program p = gen.generate(seed);
      RunResult r = runner.run(p);
      if (r.diverged()) {
        long t0 = System.nanoTime();
        Reduction red = Reduction.of(new Runner(target, 1), p, r.divergence(), 3);
        System.out.printf("planted %s: found by seed %d (%d ops), shrunk to %d ops in %.2f s (%d runs):%n%s%n",
            target.describe(), seed, p.size(), red.program().size(), (System.nanoTime() - t0) / 1e9,
            red.candidates(), red.divergence().render("hmmfuzz replay <file>"));
        return red;
      }
    }
    return null;
  }

  @Test
  void truncateThatKeepsTheTailIsFoundAndShrunkToThreeOps() {
    try (PlantedBugTarget t = new PlantedBugTarget(LinuxTarget.create(FsKind.TMPFS),
        PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL)) {
      Reduction red = findAndShrink(t, Profile.eof());
      assertNotNull(red, "the planted truncate bug was not found in 2000 programs");
      assertEquals(3, red.program().size(), ProgramText.print(red.program()));
      assertEquals(3, red.reproduced());
    }
  }

  @Test
  void reflinkThatLeavesAMappingStaleIsFoundAndShrunkToFourOps() {
    assumeTrue(LinuxKernel.root(), "needs root for an xfs loop image (run the tests as root)");
    try (PlantedBugTarget t = new PlantedBugTarget(LinuxTarget.create(FsKind.XFS),
        PlantedBugKernel.Bug.REFLINK_LEAVES_MAPPING_STALE)) {
      assumeTrue(t.capabilities().reflink(), "scratch xfs has no reflink");
      Reduction red = findAndShrink(t, Profile.reflink());
      assertNotNull(red, "the planted reflink bug was not found in 2000 programs");
      assertEquals(4, red.program().size(), ProgramText.print(red.program()));
      assertTrue(red.divergence().signature().contains("view"), red.divergence().signature());
    }
  }
}
