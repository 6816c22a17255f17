package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.guests.Death;
import io.hmmfuzz.guests.Ending;
import io.hmmfuzz.guests.StuckWatch;
import io.hmmfuzz.guests.Targets;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz replay FILE|DIR}: runs reproducers on the local kernel, every view checked after every op. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay reproducers (a file, or every *.repro under a directory) on the local kernel or a VM guest.")
final class ReplayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE|DIR", description = "a reproducer or a directory of them")
  Path input;

  @Option(names = "--fs", converter = FsConverter.class,
      description = "run on this filesystem instead of the one in each reproducer's header")
  FsKind fs;

  @Mixin
  TargetOptions targetOptions;

  /** How long a guest's request may go unanswered before the guest is ended as hung. */
  private static final Duration HANG_TIMEOUT = Duration.ofMinutes(2);

  @Override
  public Integer call() throws IOException {
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Path> files = Corpus.list(input);
    if (files.isEmpty()) {
      err.println("hmmfuzz: no *.repro files under " + input);
      return ExitCode.USAGE;
    }
    int diverged = 0;
    int skipped = 0;
    int ran = 0;
    AtomicLong started = new AtomicLong(System.nanoTime());
    // This JVM's threads say nothing of a program stuck in a guest's executor (its watchdog ends that guest).
    Thread watch = targetOptions.vm() ? null
        : StuckWatch.start(() -> Duration.ofNanos(System.nanoTime() - started.get()), out);
    try (Targets targets = targetOptions.targets(out, HANG_TIMEOUT)) {
      for (Path f : files) {
        Reproducer r;
        try {
          r = Corpus.load(f);
        } catch (ReproducerSyntaxException e) {
          err.println("hmmfuzz: " + e.getMessage());
          return ExitCode.USAGE;
        }
        FsKind kind = fs != null ? fs : FsKind.parse(r.fs());
        Target t;
        try {
          t = targets.get(kind);
        } catch (TargetUnavailableException e) {
          out.printf("SKIP %s: %s%n", f, e.getMessage());
          skipped++;
          continue;
        }
        RunResult res;
        try {
          res = new Runner(t, r.viewEvery(), null, (p, viewEvery) -> started.set(System.nanoTime())).run(r.program());
        } catch (TargetUnavailableException e) {
          out.printf("SKIP %s: %s%n", f, e.getMessage());
          skipped++;
          continue;
        } catch (InfrastructureException e) {
          // In a guest: it died or stopped answering during the program (the program's crash or hang), or
          // was lost (the infrastructure's failure). Locally this throws again.
          Ending end = targets.ended(e);
          if (end instanceof Ending.Lost lost) {
            throw new InfrastructureException(lost.why() + "; console tail:\n" + String.join("\n", lost.consoleTail()), e);
          }
          Death d = Death.of(end, HANG_TIMEOUT);
          ran++;
          diverged++;
          out.printf("DIVERGED %s (expect=%s): the guest %s during the program (%s)%n", f, r.get("expect"),
              end instanceof Ending.Hung ? "stopped answering" : "died", d.signature());
          d.reports().forEach(rep -> out.println("KERNEL REPORT: " + rep.title() + "\n" + rep.excerpt().strip()));
          if (d.reports().isEmpty()) {
            d.console().forEach(out::println);
          }
          continue;
        }
        ran++;
        if (res.diverged()) {
          diverged++;
          out.printf("DIVERGED %s (expect=%s)%n", f, r.get("expect"));
          out.println(res.divergence().render("hmmfuzz replay " + f));
        } else {
          out.printf("OK %s: %d ops, no divergence on %s%n", f, res.opsExecuted(), t.describe());
        }
        out.flush();
      }
    } finally {
      if (watch != null) {
        watch.interrupt();
      }
    }
    out.printf("replay: %d passed, %d diverged, %d skipped%n", ran - diverged, diverged, skipped);
    if (diverged > 0) {
      return ExitCode.DIVERGENCE;
    }
    return ran == 0 ? ExitCode.SKIPPED : ExitCode.OK;
  }
}
