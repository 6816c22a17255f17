package io.hmmfuzz.cli;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.guests.SummaryFile;
import io.hmmfuzz.report.CampaignReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hmmfuzz report DIR [--tap FILE]}. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Write report.html and report.md (with throughput and findings plots as PNG) for a campaign's output"
        + " directory: what ran where, each finding with its culprit, byte table, program and reproduction rate, the op"
        + " outcomes; --tap also writes kselftest-style TAP.")
final class ReportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "a campaign's output directory (with summary.json)")
  Path dir;

  @Option(names = "--tap", description = "also write TAP (version 13, as kselftest prints) here")
  Path tap;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    CampaignReport r = CampaignReport.of(dir);
    if (r == null) {
      spec.commandLine().getErr().println("hmmfuzz report: " + dir + ": no " + SummaryFile.NAME
          + " (not a campaign's output directory)");
      return ExitCode.USAGE;
    }
    CampaignReport.Written w = r.write();
    out.println("hmmfuzz report: " + w.html() + ", " + w.markdown() + (w.plots().isEmpty() ? " (no plots: fewer than two"
        + " samples over time)" : ", " + w.plots().size() + " plots"));
    if (tap != null) {
      Corpus.replace(tap, r.tap().getBytes(StandardCharsets.UTF_8));
      out.println("hmmfuzz report: TAP in " + tap);
    }
    return ExitCode.OK;
  }
}
