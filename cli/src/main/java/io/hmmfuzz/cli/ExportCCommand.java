package io.hmmfuzz.cli;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.linux.CReproducer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz export-c FILE.repro > repro.c}: a reproducer as a standalone C program ({@link CReproducer}). */
@Command(name = "export-c", mixinStandardHelpOptions = true,
    description = "Write a reproducer as one self-contained C program (libc only) on stdout: the same ops with the"
        + " C executor's functions, each op's outcome and the views checked against what the model allows; it runs"
        + " as ./repro [DIR] and exits 0 (no divergence), 1 (divergence, printed as hmmfuzz prints it) or 4"
        + " (a capability is missing).")
final class ExportCCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "a reproducer (.repro)")
  Path input;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(input)) {
      err.println("hmmfuzz: " + input + ": no such file");
      return ExitCode.USAGE;
    }
    Reproducer r;
    try {
      r = Corpus.load(input);
    } catch (ReproducerSyntaxException e) {
      err.println("hmmfuzz: " + e.getMessage());
      return ExitCode.USAGE;
    }
    out.print(CReproducer.export(r, input.getFileName().toString()));
    out.flush();
    return ExitCode.OK;
  }
}
