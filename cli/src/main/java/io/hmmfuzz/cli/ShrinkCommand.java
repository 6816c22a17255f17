package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.Reduction;
import io.hmmfuzz.gen.InFlight;
import io.hmmfuzz.linux.KernelTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

  // Set by the host of 'shrink --target vm' for the guest that shrinks a crash or hang reproducer.
  @Option(names = "--in-flight", hidden = true)
  Path inFlight;

  @Option(names = "--known", hidden = true)
  Path known;

  @Option(names = "--not-reproduced", hidden = true)
  Path notReproduced;

  @Mixin
  TargetOptions targetOptions;

  /** The name a shrunk reproducer is saved under: NAME-min for NAME.repro. */
  static String minName(Path input) {
    return input.getFileName().toString().replaceFirst("\\" + Corpus.SUFFIX + "$", "") + "-min";
  }

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
    if (VmShrink.fatal(r)) {
      if (targetOptions.vm()) {
        return VmShrink.run(input.toAbsolutePath(), r, targetOptions.kernel, dest, fs == null ? null : fs.id(),
            hangTimeout, maxBoots, reliabilityRuns, out, err);
      }
      if (inFlight == null) {
        err.println("hmmfuzz: " + input + " crashed or hung the kernel it ran on (finding=" + r.get("finding")
            + "): shrinking it here could do the same to this kernel; use --target vm --kernel BZIMAGE");
        return ExitCode.USAGE;
      }
      return shrinkInGuest(r, dest, out);
    }
    try (Targets targets = new Targets(targetOptions, out, hangTimeout)) {
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
      Path saved = Corpus.save(dest, minName(input), min);
      out.println(red.divergence().render("hmmfuzz replay " + saved));
      out.printf("shrunk %d -> %d ops in %.1f s (%d runs); reproduced %d/%d; saved %s%n", r.program().size(),
          red.program().size(), red.millis() / 1000.0, red.candidates(), red.reproduced(), red.attempts(), saved);
      return ExitCode.DIVERGENCE;
    }
  }

  /**
   * The guest's part of {@link VmShrink}: shrinks while candidates reproduce without killing this kernel,
   * announcing each one in the in-flight file first; saves NAME-min.repro when no candidate killed it.
   */
  private int shrinkInGuest(Reproducer r, Path dest, PrintWriter out) throws IOException {
    Set<String> knownKeys = new HashSet<>(known != null && Files.exists(known) ? Files.readAllLines(known) : List.of());
    try (Targets targets = new Targets(targetOptions, out, hangTimeout);
        PrintWriter notes = notReproduced == null ? null
            : new PrintWriter(Files.newBufferedWriter(notReproduced, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND))) {
      KernelTarget t = targets.get(fs != null ? fs : FsKind.parse(r.fs()));
      out.printf("shrink: %d ops that %s, on %s%n", r.program().size(), r.get("signature"), t.describe());
      out.flush(); // the host counts output as progress
      Runner runner = new Runner(t, r.viewEvery(), null, new InFlight(inFlight, t.capabilities()));
      Signature signature = Signature.parse(r.get("signature"));
      if (signature == null) {
        out.printf("shrink: %s has no typed signature (signature=%s); replay it to see what it does%n", input,
            r.get("signature"));
        return ExitCode.USAGE;
      }
      Program min = Reduction.shrinkFatal(runner, r.program(), signature,
          text -> knownKeys.contains(VmShrink.key(text)), text -> {
            if (notes != null) {
              notes.println(VmShrink.key(text));
              notes.flush(); // the guest may die on the next candidate
            }
          });
      Path saved = Corpus.save(dest, minName(input), new Reproducer(r.header(), List.of(), min));
      out.printf("shrunk %d -> %d ops in this guest; saved %s%n", r.program().size(), min.size(), saved);
      return ExitCode.OK;
    }
  }
}
