package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.guests.CReplay;
import io.hmmfuzz.linux.CReproducer;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hmmfuzz replay-c FILE.c|FILE.repro}: builds a standalone C reproducer statically and runs it,
 * here (in a fresh directory of --dir, by default its own) or in a fresh guest (--target vm) on a scratch
 * filesystem of its kind; exits as the program does.
 */
@Command(name = "replay-c", mixinStandardHelpOptions = true,
    description = "Build a standalone C reproducer (a .c from export-c, or a .repro exported first) with gcc -static"
        + " -Wall -Werror and run it here or in a guest (--target vm: on a scratch filesystem of its kind made there);"
        + " exits as the program does: 0 no divergence, 1 divergence, 4 a capability is missing.")
final class ReplayCCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "a C reproducer (.c) or a reproducer (.repro)")
  Path input;

  @Option(names = "--dir", description = "where the program makes its directory on the local kernel (its default:"
      + " /dev/shm for tmpfs, the current directory otherwise)")
  Path dir;

  @Mixin
  TargetOptions targetOptions;

  @Override
  public Integer call() throws IOException {
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(input)) {
      err.println("hmmfuzz: " + input + ": no such file");
      return ExitCode.USAGE;
    }
    String c;
    if (input.toString().endsWith(".repro")) {
      try {
        Reproducer r = Corpus.load(input);
        c = CReproducer.export(r, input.getFileName().toString());
      } catch (ReproducerSyntaxException e) {
        err.println("hmmfuzz: " + e.getMessage());
        return ExitCode.USAGE;
      }
    } else {
      c = Files.readString(input);
    }
    FsKind kind = CReproducer.fsOf(c);
    if (kind == null) {
      err.println("hmmfuzz: " + input + " is not a C reproducer written by hmmfuzz export-c");
      return ExitCode.USAGE;
    }
    Path work = ScratchFilesystem.workDirectory("c");
    try {
      Path source = work.resolve("repro.c");
      Path binary = work.resolve("repro");
      Files.writeString(source, c);
      CReproducer.compile(source, binary);
      if (targetOptions.vm()) {
        CReplay.Result r;
        try {
          r = CReplay.inGuest(targetOptions.kernel, binary, kind, Duration.ofMinutes(2));
        } catch (TargetUnavailableException e) {
          out.println("SKIP " + input + ": " + e.getMessage());
          return ExitCode.SKIPPED;
        }
        out.print(r.output());
        r.consoleReports().forEach(rep -> out.println("console: KERNEL REPORT: " + rep.title()));
        out.println("replay-c: the program exited " + r.exit() + " in the guest (" + kind.id() + ")");
        out.flush();
        return r.exit() > 4 ? ExitCode.DIVERGENCE : r.exit();
      }
      List<String> cmd = new ArrayList<>(List.of(binary.toString()));
      if (dir != null) {
        cmd.add(dir.toString());
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().transferTo(System.out);
      int exit;
      try {
        exit = p.waitFor();
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        return ExitCode.INFRASTRUCTURE;
      }
      return exit;
    } finally {
      ScratchFilesystem.deleteTree(work);
    }
  }
}
