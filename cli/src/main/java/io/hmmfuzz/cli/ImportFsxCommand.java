package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.FsxLog;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.gen.Campaign;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hmmfuzz import-fsx FILE.fsxops > FILE.repro}: an fsx op log as a reproducer ({@link FsxLog}). */
@Command(name = "import-fsx", mixinStandardHelpOptions = true,
    description = "Convert an fsx op log (xfstests ltp/fsx.c --record-ops, or the .fsxops of a failure) into a"
        + " reproducer on stdout, to replay against the model and shrink. An fsx op hmmfuzz has no op for is"
        + " refused with its line, never dropped.")
final class ImportFsxCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "fsx's op log (.fsxops)")
  Path input;

  @Option(names = "--fs", converter = FsConverter.class, defaultValue = "tmpfs",
      description = "the filesystem the reproducer replays on by default (the one fsx ran on; default tmpfs)")
  FsKind fs;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String text;
    try {
      text = Files.readString(input, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      err.println("hmmfuzz: " + input + ": no such file");
      return ExitCode.USAGE;
    }
    FsxLog.Imported imported;
    try {
      imported = FsxLog.parse(text, input.toString());
    } catch (ReproducerSyntaxException e) {
      err.println("hmmfuzz: " + e.getMessage());
      return ExitCode.USAGE;
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("tool", Campaign.TOOL_VERSION);
    h.put("fs", fs.id());
    h.put("page", Integer.toString(FsxLog.PAGE));
    h.put("source", "fsx");
    String note = "imported by hmmfuzz import-fsx from " + input.getFileName() + ": the " + imported.fsxOps()
        + " ops fsx made" + (imported.skipped() > 0 ? " (the " + imported.skipped() + " it skipped are left out)" : "")
        + ", with the model's bytes in place of fsx's";
    out.print(new Reproducer(h, List.of(note), imported.program()).render());
    out.flush();
    return ExitCode.OK;
  }
}
