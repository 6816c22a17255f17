package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Reduction;
import io.hmmfuzz.guests.GuestShrink;
import io.hmmfuzz.guests.QemuGuest;
import io.hmmfuzz.guests.Targets;
import io.hmmfuzz.linux.KernelTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz shrink FILE}: shrinks a diverging reproducer and saves the result beside it. */
@Command(name = "shrink", mixinStandardHelpOptions = true,
    description = "Shrink a diverging reproducer to a 1-minimal one; saves NAME-min.repro beside it.")
final class ShrinkCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "a reproducer that diverges")
  Path input;

  @Option(names = "--fs", converter = FsConverter.class, description = "filesystem (default: the reproducer's)")
  FsKind fs;

  @Option(names = "--reliability-runs", defaultValue = "5", description = "final runs of the result")
  int reliabilityRuns;

  @Option(names = "--out", description = "directory for NAME-min.repro (default: beside FILE)")
  Path outDir;

  @Option(names = "--hang-timeout", defaultValue = "2m", converter = Durations.class,
      description = "--target vm, a crash or hang reproducer: a guest that makes no progress this long is hung")
  Duration hangTimeout;

  @Option(names = "--max-boots", defaultValue = "60",
      description = "--target vm, a crash or hang reproducer: at most this many guests for the shrink")
  int maxBoots;

  @Mixin
  TargetOptions targetOptions;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dest = outDir != null ? outDir : input.toAbsolutePath().getParent();
    Reproducer r;
    try {
      r = Corpus.load(input);
    } catch (ReproducerSyntaxException e) {
      err.println("hmmfuzz: " + e.getMessage());
      return ExitCode.USAGE;
    }
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    if (GuestShrink.fatal(r)) {
      if (!targetOptions.vm()) {
        err.println("hmmfuzz: " + input + " crashed or hung the kernel it ran on (finding=" + r.get("finding")
            + "): shrinking it here could do the same to this kernel; use --target vm --kernel BZIMAGE");
        return ExitCode.USAGE;
      }
      return acrossGuests(r, dest, out, err);
    }
    try (Targets targets = targetOptions.targets(out, hangTimeout)) {
      KernelTarget t = targets.get(fs != null ? fs : FsKind.parse(r.fs()));
      Runner asSaved = new Runner(t, r.viewEvery());
      Runner precise = new Runner(t, 1);
      RunResult res = asSaved.run(r.program());
      if (!res.diverged()) {
        out.printf("%s: no divergence on %s; nothing to shrink%n", input, t.describe());
        return ExitCode.OK;
      }
      Reduction red = Reduction.of(precise, asSaved, r.program(), res.divergence(), reliabilityRuns);
      Reproducer min = Campaign.reproducer(t.capabilities(), red,
          Long.parseLong(r.header().getOrDefault("seed", "0")), r.header().getOrDefault("profile", "none"));
      Path saved = Corpus.save(dest, GuestShrink.minName(input), min);
      out.println(red.divergence().render("hmmfuzz replay " + saved));
      out.printf("shrunk %d -> %d ops in %.1f s (%d runs); reproduced %d/%d; saved %s%n", r.program().size(),
          red.program().size(), red.millis() / 1000.0, red.candidates(), red.reproduced(), red.attempts(), saved);
      return ExitCode.DIVERGENCE;
    }
  }

  /** A crash or hang reproducer shrunk across guests ({@link GuestShrink}), printed as it goes. */
  private int acrossGuests(Reproducer r, Path dest, PrintWriter out, PrintWriter err) throws IOException {
    if (Signature.parse(r.get("signature")) == null) {
      err.println("hmmfuzz: " + input + " has no typed signature in its header (signature=" + r.get("signature")
          + "): nothing to keep while shrinking");
      return ExitCode.USAGE;
    }
    GuestShrink.Result res = GuestShrink.run(new GuestShrink.Settings(input.toAbsolutePath(), r, fs, dest, maxBoots,
        reliabilityRuns, hangTimeout), QemuGuest.boots(targetOptions.kernel, hangTimeout), new GuestShrink.Listener() {
          @Override
          public void progress(String line) {
            out.println(line);
            out.flush();
          }

          @Override
          public void problem(String why, List<String> consoleTail) {
            err.println("hmmfuzz: " + why + (consoleTail.isEmpty() ? "" : "; console tail:"));
            consoleTail.forEach(err::println);
            err.flush();
          }
        });
    out.print(ProgramText.print(res.program()));
    out.printf("shrunk %d -> %d ops across %d guests; reproduced %d/%d; saved %s%n", r.program().size(),
        res.program().size(), res.boots(), res.reproduced(), res.attempts(), res.saved());
    if (res.reproduced() == 0 && res.attempts() > 0) {
      out.println("vm shrink: the result did not reproduce in a fresh guest: the candidates that killed guests"
          + " depended on what ran before them there; keep the original reproducer");
    }
    return res.infrastructure() ? ExitCode.INFRASTRUCTURE : res.reproduced() > 0 ? ExitCode.DIVERGENCE : ExitCode.OK;
  }
}
