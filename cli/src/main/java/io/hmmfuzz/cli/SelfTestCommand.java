package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Reduction;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.linux.PlantedBugKernel.Bug;
import io.hmmfuzz.linux.PlantedBugTarget;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz selftest}: plants known bugs over the real kernel; each must be found and shrunk to its known length. */
@Command(name = "selftest", mixinStandardHelpOptions = true,
    description = "Plant known bugs (truncate keeping the EOF tail, reflink leaving a mapping stale, a device mirror"
        + " keeping a page after truncate) over the real kernel; each must be found and shrunk to its known"
        + " minimal length. Bugs the filesystem cannot show (no reflink, no test_hmm) are skipped.")
final class SelfTestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--fs", converter = FsConverter.class, defaultValue = "tmpfs", description = "scratch filesystem")
  FsKind fs;

  @Mixin
  TargetOptions targetOptions;

  /** Whether the bug's known minimal program diverges on this target (if not, a longer minimum is legitimate). */
  private static boolean knownMinimalDiverges(LinuxTarget real, Bug bug) {
    try {
      Program known = ProgramText.parse(bug.minimalProgram(), bug.name());
      return new Runner(new PlantedBugTarget(real, bug), 1).run(known).diverged();
    } catch (ReproducerSyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Integer call() throws java.io.IOException {
    Integer relayed = targetOptions.relayToVm(spec, "selftest", null, java.time.Duration.ofMinutes(20));
    if (relayed != null) {
      return relayed;
    }
    PrintWriter out = spec.commandLine().getOut();
    int failed = 0;
    int ran = 0;
    try (LinuxTarget real = LinuxTarget.create(fs)) {
      for (Bug bug : Bug.values()) {
        String skip = switch (bug) {
          case REFLINK_LEAVES_MAPPING_STALE -> real.capabilities().reflink() ? null : "no reflink on " + fs.id();
          case DEVICE_KEEPS_PAGE_AFTER_TRUNCATE -> real.capabilities().testHmm() ? null : "no test_hmm";
          case TRUNCATE_OF_MAPPED_FILE_WARNS -> real.kernelLogWatched() ? null : "/dev/kmsg not readable (run as root)";
          default -> null;
        };
        if (skip != null) {
          out.printf("SKIP %s: %s%n", bug, skip);
          continue;
        }
        ran++;
        Profile profile = bug == Bug.REFLINK_LEAVES_MAPPING_STALE ? Profile.reflink() : Profile.eof();
        if (bug != Bug.DEVICE_KEEPS_PAGE_AFTER_TRUNCATE) {
          // The same search with or without test_hmm: device ops would only lengthen the way there.
          profile = profile.without(Arrays.stream(OpKind.values()).filter(OpKind::device).toList());
        }
        long t0 = System.nanoTime();
        Reduction red = Campaign.findFirst(new PlantedBugTarget(real, bug), profile, 2000, 3);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (red == null) {
          failed++;
          out.printf("FAIL %s: not found in 2000 programs (%.1f s)%n", bug, secs);
        } else if (red.program().size() > bug.minimalOps() && !knownMinimalDiverges(real, bug)) {
          out.printf("PASS %s: found and shrunk to %d ops in %.2f s, reproduced %d/%d; the known %d-op program"
              + " does not show it on %s, so this is this target's minimum:%n%s", bug, red.program().size(), secs,
              red.reproduced(), red.attempts(), bug.minimalOps(), fs.id(), ProgramText.print(red.program()));
        } else if (red.program().size() != bug.minimalOps() || red.reproduced() != red.attempts()) {
          failed++;
          out.printf("FAIL %s: shrunk to %d ops (want %d), reproduced %d/%d:%n%s", bug, red.program().size(),
              bug.minimalOps(), red.reproduced(), red.attempts(), ProgramText.print(red.program()));
        } else {
          out.printf("PASS %s: found and shrunk to %d ops in %.2f s (%d shrink runs), reproduced %d/%d%n", bug,
              red.program().size(), secs, red.candidates(), red.reproduced(), red.attempts());
          out.print(red.divergence().render(null).replaceAll("(?m)^", "    "));
        }
        out.flush();
      }
    }
    out.printf("selftest on %s: %d passed, %d failed%n", fs.id(), ran - failed, failed);
    return failed == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }
}
