package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.guests.Targets;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.PlantedBugKernel.Bug;
import io.hmmfuzz.guests.PlantedBugHunt;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hmmfuzz selftest}: plants known bugs over the real kernel. Each runs as a short campaign (probes
 * included) and must end as one finding (two where the bug shows two symptoms), naming the right culprit
 * op, shrunk to the bug's known minimal length and reproduced every time.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true,
    description = "Plant known bugs (truncate keeping the EOF tail, reflink leaving a mapping or the page cache stale,"
        + " MAP_SYNC accepted off DAX, a device mirror keeping a page after truncate, a kernel WARNING, a hole punch,"
        + " pwrite, collapse or insert range leaving mappings stale, fallocate keeping post-EOF bytes) over the real"
        + " kernel; each must end as one finding with the right culprit op, shrunk to its known minimal length."
        + " Bugs the filesystem cannot show (no reflink, no collapse range, no test_hmm) are skipped.")
final class SelfTestCommand implements Callable<Integer> {
  /** Programs each planted bug's campaign runs. */
  static final int PROGRAMS = 600;

  @Spec
  CommandSpec spec;

  @Option(names = "--fs", converter = FsConverter.class, defaultValue = "tmpfs", description = "scratch filesystem")
  FsKind fs;

  @Option(names = "--known", description = "reproducers of the kernel's own known findings (e.g. corpus/reproducers):"
      + " counted, not shrunk, when a planted bug's campaign meets them")
  Path known;

  @Mixin
  TargetOptions targetOptions;

  @Override
  public Integer call() throws java.io.IOException {
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    PrintWriter out = spec.commandLine().getOut();
    int failed = 0;
    int ran = 0;
    try (Targets targets = targetOptions.targets(out, Duration.ofMinutes(2))) {
      KernelTarget real = targets.get(fs);
      List<Campaign.Known> knownFindings = new ArrayList<>();
      if (known != null) {
        try {
          knownFindings.addAll(KnownFindings.load(known, real.capabilities(), out::println));
        } catch (ReproducerSyntaxException e) {
          spec.commandLine().getErr().println("hmmfuzz: " + e.getMessage());
          return ExitCode.USAGE;
        }
      }
      for (Bug bug : Bug.values()) {
        String skip = bug.unavailable(real.capabilities(), real.kernelLogWatched());
        if (skip != null) {
          out.printf("SKIP %s: %s%n", bug, skip);
          continue;
        }
        ran++;
        // Progress for a VM host too, which takes a silent guest after a kernel report for stuck.
        PlantedBugHunt.Result r = PlantedBugHunt.run(real, bug, 1, PROGRAMS, Duration.ofMinutes(10), knownFindings,
            s -> {
              out.printf("  %s: %d programs, %d findings%n", bug, s.programs(), s.divergences());
              out.flush();
            });
        for (String own : r.kernelsOwn()) {
          out.printf("NOTE %s: %s diverges without the planted bug too: the kernel's own finding%n", bug, own);
        }
        double secs = r.found() ? r.secondsToFind() + r.shrinkSeconds() : Double.NaN;
        // A shrink that ends above the known minimum (a local minimum of this campaign's search) is
        // printed, as bench bugs measures it, not failed: the known minimum can come from another search.
        if (r.miss() == PlantedBugHunt.Miss.ABOVE_MINIMUM) {
          out.printf("NOTE %s: %s (a local minimum of this campaign's shrink)%n", bug, r.verdict());
        }
        if (r.verdict() != null && r.miss() != PlantedBugHunt.Miss.ABOVE_MINIMUM) {
          failed++;
          out.printf("FAIL %s: %s (%d programs)%n", bug, r.verdict(), r.programs());
        } else {
          out.printf("PASS %s: %d finding%s in %d programs (found in %.1f s, shrunk in %.1f s)%s:%n", bug,
              r.planted().size(), r.planted().size() == 1 ? "" : "s", r.programs(), r.secondsToFind(),
              r.shrinkSeconds(), r.shortest() < bug.minimalOps()
                  ? "; shorter than the known " + bug.minimalOps() + "-op program" : r.shortest() > bug.minimalOps()
                  ? "; the known " + bug.minimalOps() + "-op program does not show it on this target" : "");
        }
        for (int i = 0; i < r.planted().size(); i++) {
          CampaignSummary.Found e = r.planted().get(i);
          out.printf("    %s: %d ops, reproduced %s, %d other divergences counted%s%n", e.signature(), e.ops(),
              e.reproduced(), e.others(), e.seenAs().isEmpty() ? "" : " (also seen as " + e.seenAs() + ")");
          if (r.shrunk().get(i) != null) {
            out.print(ProgramText.print(r.shrunk().get(i)).replaceAll("(?m)^", "      "));
          }
        }
        out.flush();
      }
    }
    out.printf("selftest on %s: %d passed, %d failed%n", fs.id(), ran - failed, failed);
    return failed == 0 ? ExitCode.OK : ExitCode.DIVERGENCE;
  }
}
