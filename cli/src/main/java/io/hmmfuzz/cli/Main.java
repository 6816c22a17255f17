package io.hmmfuzz.cli;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.ModelBugException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.guests.BootFailure;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hmmfuzz} command. */
@Command(name = "hmmfuzz", mixinStandardHelpOptions = true, version = "hmmfuzz 0.1.0",
    description = "Differential fuzzer for Linux memory management: programs of mmap, faults, write, truncate,"
        + " reflink and MAP_SYNC run on a real kernel and on a reference model in lockstep.",
    subcommands = {ProbeCommand.class, FuzzCommand.class, ReplayCommand.class, ShrinkCommand.class,
        KernelCommand.class, SelfTestCommand.class, BenchCommand.class, ImportFsxCommand.class,
        CorpusCommand.class, ReportCommand.class, ExportCCommand.class, ReplayCCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:no divergence", "1:divergence found", "2:usage error or malformed input",
        "3:infrastructure failure or model bug", "4:skipped: a capability is missing"})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: probe, fuzz, replay, shrink, selftest, kernel, bench, import-fsx, corpus or report");
  }

  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
      PrintWriter err = cmd.getErr();
      if (ex instanceof TargetUnavailableException) {
        err.println("hmmfuzz: skipped: " + ex.getMessage());
        return ExitCode.SKIPPED;
      }
      if (ex instanceof ModelBugException) {
        err.println("hmmfuzz: model bug (ours, please report): " + ex.getMessage());
        ex.printStackTrace(err);
        return ExitCode.INFRASTRUCTURE;
      }
      if (ex instanceof InfrastructureException) {
        err.println("hmmfuzz: infrastructure failure: " + ex.getMessage());
        if (ex instanceof BootFailure b && !b.consoleTail().isEmpty()) {
          err.println("console tail:");
          b.consoleTail().forEach(err::println);
        }
        return ExitCode.INFRASTRUCTURE;
      }
      err.println("hmmfuzz: internal error: " + ex);
      ex.printStackTrace(err);
      return ExitCode.INFRASTRUCTURE;
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("hmmfuzz: " + ex.getMessage());
      ex.getCommandLine().usage(ex.getCommandLine().getErr());
      return ExitCode.USAGE;
    });
    return cl.execute(args);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
