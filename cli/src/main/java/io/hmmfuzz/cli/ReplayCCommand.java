package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.repro.Corpus;
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
 * {@code hmmfuzz replay-c FILE...}: builds standalone C reproducers statically and runs them, here (in
 * a fresh directory of --dir, by default the program's own default) or in one fresh guest (--target vm)
 * on a scratch filesystem of each one's kind.
 */
@Command(name = "replay-c", mixinStandardHelpOptions = true,
    description = "Build standalone C reproducers (.c files from export-c, or .repro files and directories of them,"
        + " exported first) with gcc -static -Wall -Werror and run them here or in one guest (--target vm: each on a"
        + " scratch filesystem of its kind made there). Each program exits 0 (no divergence), 1 (divergence) or 4"
        + " (a capability is missing); so does this command for one program; for several: 1 if any diverged.")
final class ReplayCCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "C reproducers (.c), reproducers (.repro) or"
      + " directories of reproducers")
  List<Path> inputs;

  @Option(names = "--dir", description = "where each program makes its directory on the local kernel (by default"
      + " /dev/shm for tmpfs, the current directory otherwise)")
  Path dir;

  @Mixin
  TargetOptions targetOptions;

  /** A program to build: its name and its C text. */
  private record Source(String name, String c, FsKind kind) {}

  @Override
  public Integer call() throws IOException {
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Source> sources = new ArrayList<>();
    for (Path input : inputs) {
      try {
        if (Files.isDirectory(input) || input.toString().endsWith(Corpus.SUFFIX)) {
          for (Path f : Corpus.list(input)) {
            String c = CReproducer.export(Corpus.load(f), f.getFileName().toString());
            sources.add(new Source(f.toString(), c, CReproducer.fsOf(c)));
          }
        } else if (Files.isRegularFile(input)) {
          String c = Files.readString(input);
          if (CReproducer.fsOf(c) == null) {
            err.println("hmmfuzz: " + input + " is not a C reproducer written by hmmfuzz export-c, nor one whose"
                + " first line is /* hmmfuzz replay-c: fs=KIND */");
            return ExitCode.USAGE;
          }
          sources.add(new Source(input.toString(), c, CReproducer.fsOf(c)));
        } else {
          err.println("hmmfuzz: " + input + ": no such file");
          return ExitCode.USAGE;
        }
      } catch (ReproducerSyntaxException e) {
        err.println("hmmfuzz: " + e.getMessage());
        return ExitCode.USAGE;
      }
    }
    if (sources.isEmpty()) {
      err.println("hmmfuzz: no reproducers in " + inputs);
      return ExitCode.USAGE;
    }
    if (targetOptions.vm()) {
      // One scratch filesystem at a time in the guest: programs of one kind in a row share theirs.
      sources.sort(java.util.Comparator.comparing(Source::kind));
    }
    Path work = ScratchFilesystem.workDirectory("c");
    try {
      List<CReplay.Job> jobs = new ArrayList<>();
      for (int i = 0; i < sources.size(); i++) {
        Path source = work.resolve("repro-" + i + ".c");
        Path binary = work.resolve("repro-" + i);
        Files.writeString(source, sources.get(i).c());
        CReproducer.compile(source, binary);
        jobs.add(new CReplay.Job(binary, sources.get(i).kind()));
      }
      List<Integer> exits = new ArrayList<>();
      if (targetOptions.vm()) {
        List<CReplay.Result> results;
        try {
          results = CReplay.inGuest(targetOptions.kernel, jobs, Duration.ofMinutes(2));
        } catch (TargetUnavailableException e) {
          out.println("SKIP: " + e.getMessage());
          return ExitCode.SKIPPED;
        }
        for (int i = 0; i < results.size(); i++) {
          CReplay.Result r = results.get(i);
          out.print(r.output());
          r.consoleReports().forEach(rep -> out.println("console: KERNEL REPORT: " + rep.title() + "\n"
              + rep.excerpt().strip()));
          String fs = r.job().kind().id();
          String how;
          if (!r.ran()) {
            how = "not run";
          } else if (r.exit() < 0) {
            how = "ended the guest (" + fs + (i + 1 < results.size() ? "; the next ones ran in a fresh one)" : ")");
          } else {
            how = "exited " + r.exit() + " in the guest (" + fs + ")";
          }
          out.println("replay-c: " + sources.get(i).name() + " " + how);
          out.flush();
          exits.add(r.exit());
        }
      } else {
        for (int i = 0; i < jobs.size(); i++) {
          CReplay.Job job = jobs.get(i);
          List<String> wide = CReproducer.systemWideOps(sources.get(i).c());
          if (!wide.isEmpty()) {
            // The tool changes only what it made on the local kernel: never its caches as a whole.
            out.println("SKIP: " + sources.get(i).name() + " uses " + String.join(", ", wide) + ", which changes the"
                + " whole kernel, not only the program's files: run it with --target vm --kernel BZIMAGE");
            exits.add(ExitCode.SKIPPED);
            continue;
          }
          List<String> cmd = new ArrayList<>(List.of(job.binary().toString()));
          if (dir != null) {
            cmd.add(dir.toString());
          }
          Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
          out.print(new String(p.getInputStream().readAllBytes()));
          out.flush();
          try {
            exits.add(p.waitFor());
          } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return ExitCode.INFRASTRUCTURE;
          }
        }
      }
      if (exits.size() == 1) {
        return exits.get(0) < 0 || exits.get(0) > 4 ? ExitCode.DIVERGENCE : exits.get(0);
      }
      return exits.stream().anyMatch(e -> e == 1 || e < 0 || e > 4) ? ExitCode.DIVERGENCE
          : exits.stream().allMatch(e -> e == 4) ? ExitCode.SKIPPED : exits.contains(3) ? ExitCode.INFRASTRUCTURE
          : ExitCode.OK;
    } finally {
      ScratchFilesystem.deleteTree(work);
    }
  }
}
