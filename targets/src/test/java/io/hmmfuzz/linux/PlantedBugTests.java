package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Reduction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzzer must find each planted bug by generating programs, and shrink it to its known minimal
 * length (Jazzer's verify_crash_reproducer, applied to our differential setup). The device bug needs
 * test_hmm: 'hmmfuzz selftest --target vm' runs it in the guest.
 */
class PlantedBugTests {

  private static Reduction findAndShrink(LinuxTarget real, PlantedBugKernel.Bug bug, Profile profile) {
    PlantedBugTarget t = new PlantedBugTarget(real, bug);
    long t0 = System.nanoTime();
    Reduction red = Campaign.findFirst(t, profile, 2000, 3);
    assertNotNull(red, "the planted bug " + bug + " was not found in 2000 programs");
    System.out.printf("planted %s on %s: shrunk to %d ops in %.2f s (%d runs):%n%s%n", bug, real.describe(),
        red.program().size(), (System.nanoTime() - t0) / 1e9, red.candidates(),
        red.divergence().render("hmmfuzz replay <file>"));
    assertEquals(bug.minimalOps(), red.program().size(), ProgramText.print(red.program()));
    assertEquals(3, red.reproduced());
    return red;
  }

  @Test
  void truncateThatKeepsTheTailIsFoundAndShrunkToThreeOps() {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      findAndShrink(t, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL, Profile.eof());
    }
  }

  @Test
  void reflinkThatLeavesAMappingStaleIsFoundAndShrunkToFourOps() {
    assumeTrue(LinuxKernel.root(), "needs root for an xfs loop image (run the tests as root)");
    try (LinuxTarget t = LinuxTarget.create(FsKind.XFS)) {
      assumeTrue(t.capabilities().reflink(), "scratch xfs has no reflink");
      Reduction red = findAndShrink(t, PlantedBugKernel.Bug.REFLINK_LEAVES_MAPPING_STALE, Profile.reflink());
      assertTrue(red.divergence().signature().contains("view"), red.divergence().signature());
    }
  }

  @Test
  void aKernelWarningIsAFindingOfItsOwnFoundThroughTheKernelLogAndShrunk() {
    try (LinuxTarget t = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(t.kernelLogWatched() && java.nio.file.Files.isWritable(java.nio.file.Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      Reduction red = findAndShrink(t, PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS, Profile.eof());
      assertEquals("kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file",
          red.divergence().signature());
    }
  }

  @Test
  void aKnownKernelWarningStopsACampaignWhereOneShotWarningsAreNotRearmed(@TempDir Path out) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(real.kernelLogWatched() && Files.isWritable(Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      assertFalse(real.rearmsOneShotReports(), "a host kernel's WARN_ON_ONCE state is not the tool's to change");
      String known = "kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file";
      PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS);
      Campaign.Stats stats = new Campaign(t, new Campaign.Settings(Profile.eof(), 1, Duration.ofMinutes(2), 1,
          out, 1, Duration.ofHours(1), 2000, true, null, Set.of(known))).run(new Campaign.Listener() {
            @Override
            public void status(Campaign.Stats s) {}

            @Override
            public void finding(Campaign.Finding f) {
              throw new AssertionError("a known signature was saved again: " + f.file());
            }
          }, () -> false);
      // A WARN_ON_ONCE would be silent the next time: the boot ends with the known report.
      assertEquals(1, stats.repeats(), stats.toString());
      assertTrue(stats.programs() < 2000, "the campaign went on after the report: " + stats);
    }
  }

  /**
   * The guest's half of shrinking a crash across guests: candidates that reproduce without killing the
   * kernel are kept, those that do not are reported (and skipped when known), each announced before it
   * runs. Here the planted WARNING never kills the kernel, so the shrink ends in one "guest".
   */
  @Test
  void aFatalFindingShrinksWhereItsCandidatesLiveAndRemembersTheOnesThatDidNotReproduce() {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      assumeTrue(real.kernelLogWatched() && Files.isWritable(Path.of("/dev/kmsg")),
          "needs root: /dev/kmsg must be readable and writable");
      PlantedBugKernel.Bug bug = PlantedBugKernel.Bug.TRUNCATE_OF_MAPPED_FILE_WARNS;
      PlantedBugTarget t = new PlantedBugTarget(real, bug);
      String signature = "kernel:WARNING:_at_planted/hmmfuzz.c:1_planted_truncate_of_mapped_file";
      io.hmmfuzz.gen.ProgramGenerator gen = new io.hmmfuzz.gen.ProgramGenerator(Profile.eof(), t.capabilities());
      io.hmmfuzz.core.run.Program found = null;
      for (long seed = 1; seed < 500 && found == null; seed++) {
        io.hmmfuzz.core.run.Program p = gen.generate(seed);
        io.hmmfuzz.core.run.RunResult r = new io.hmmfuzz.core.run.Runner(t, 1).run(p);
        if (r.diverged() && r.divergence().signature().equals(signature) && p.size() > bug.minimalOps()) {
          found = p;
        }
      }
      assertNotNull(found, "no program hit the planted warning");
      int[] runs = {0};
      io.hmmfuzz.core.run.Runner counting = new io.hmmfuzz.core.run.Runner(t, 1, null, (p, v) -> runs[0]++);
      java.util.Set<String> notReproduced = new java.util.HashSet<>();
      io.hmmfuzz.core.run.Program min = Reduction.shrinkFatal(counting, found, signature, text -> false,
          notReproduced::add);
      assertEquals(bug.minimalOps(), min.size(), ProgramText.print(min));
      assertTrue(!notReproduced.isEmpty() && notReproduced.size() < runs[0], notReproduced.size() + " of " + runs[0]);
      int firstRuns = runs[0];
      runs[0] = 0;
      io.hmmfuzz.core.run.Program again = Reduction.shrinkFatal(counting, found, signature, notReproduced::contains,
          text -> { throw new AssertionError("a known candidate ran again:\n" + text); });
      assertEquals(ProgramText.print(min), ProgramText.print(again));
      assertEquals(firstRuns - notReproduced.size(), runs[0], "only the candidates that reproduced ran again");
    }
  }
}
