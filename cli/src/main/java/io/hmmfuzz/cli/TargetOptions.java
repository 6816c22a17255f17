package io.hmmfuzz.cli;

import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.guests.Targets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --target local|vm} and {@code --kernel}, shared by the commands that run programs. */
final class TargetOptions {
  @Option(names = "--target", defaultValue = "local",
      description = "local (this kernel) or vm (a guest booted from --kernel under QEMU)")
  String target;

  @Option(names = "--kernel", description = "bzImage for --target vm (from 'hmmfuzz kernel build')")
  Path kernel;

  @Option(names = "--executor", converter = ExecutorConverter.class,
      description = "what runs the programs' system calls on the local kernel: c (the C executor as a child"
          + " process, built with gcc on first use; the default where gcc is found, the faster) or jna (this"
          + " JVM; the default without gcc). A guest (--target vm) runs the C executor only, with the engine here")
  ExecutorKind executorOption;

  /** The executor: the C executor in a guest; locally as given, else the C executor where gcc is found. */
  ExecutorKind executor() {
    return vm() ? ExecutorKind.C : executorOption != null ? executorOption : ExecutorKind.localDefault();
  }

  static final class ExecutorConverter implements picocli.CommandLine.ITypeConverter<ExecutorKind> {
    @Override
    public ExecutorKind convert(String value) {
      try {
        return ExecutorKind.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  boolean vm() {
    return target.equals("vm");
  }

  /**
   * The command's targets: in a guest booted from --kernel on first use, ended when a request goes
   * unanswered for {@code hangTimeout} (its boot said on {@code out}); else on the local kernel.
   */
  Targets targets(PrintWriter out, Duration hangTimeout) {
    return vm() ? Targets.guest(kernel, hangTimeout, line -> {
      out.println(line);
      out.flush();
    }) : Targets.local(executor());
  }

  /**
   * A usage error, said on the command's error stream: a --target that is neither local nor vm; for
   * --target vm, no --kernel, or --executor jna (the guest runs the C executor only, no JVM). Else null.
   */
  Integer checkTarget(CommandSpec spec) {
    java.io.PrintWriter err = spec.commandLine().getErr();
    if (!target.equals("local") && !target.equals("vm")) {
      err.println("hmmfuzz: --target is local or vm, not '" + target + "'");
      return ExitCode.USAGE;
    }
    if (vm() && executorOption == ExecutorKind.JNA) {
      err.println("hmmfuzz: --target vm runs the C executor in the guest (the guest runs no JVM);"
          + " --executor jna is for the local kernel");
      return ExitCode.USAGE;
    }
    if (vm() && kernel == null) {
      err.println("hmmfuzz: --target vm needs --kernel BZIMAGE (build one with 'hmmfuzz kernel build')");
      return ExitCode.USAGE;
    }
    return null;
  }
}
