package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Reduction;
import io.hmmfuzz.linux.LinuxTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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

  @Mixin
  TargetOptions targetOptions;

  @Override
  public Integer call() throws IOException {
    Path dest = outDir != null ? outDir : input.toAbsolutePath().getParent();
    Integer relayed = targetOptions.relayToVm(spec, "shrink", dest, java.time.Duration.ofMinutes(60));
    if (relayed != null) {
      return relayed;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Reproducer r;
    try {
      r = Corpus.load(input);
    } catch (ReproducerSyntaxException e) {
      err.println("hmmfuzz: " + e.getMessage());
      return ExitCode.USAGE;
    }
    try (LinuxTarget t = LinuxTarget.create(fs != null ? fs : FsKind.parse(r.fs()))) {
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
      String name = input.getFileName().toString().replaceFirst("\\.repro$", "") + "-min";
      Path saved = Corpus.save(dest, name, min);
      out.println(red.divergence().render("hmmfuzz replay " + saved));
      out.printf("shrunk %d -> %d ops in %.1f s (%d runs); reproduced %d/%d; saved %s%n", r.program().size(),
          red.program().size(), red.millis() / 1000.0, red.candidates(), red.reproduced(), red.attempts(), saved);
      return ExitCode.DIVERGENCE;
    }
  }
}
