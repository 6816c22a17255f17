package io.hmmfuzz.cli;

import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.vm.ExecutorGuest;
import java.io.PrintWriter;
import java.io.IOException;
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
      description = "what runs the programs' system calls on the local kernel: jna (this JVM, the default: the"
          + " faster there) or c (the C executor as a child process, built with gcc on first use). A guest"
          + " (--target vm) runs the C executor only, with the engine here")
  ExecutorKind executorOption;

  /**
   * Where the command gets its targets instead, when a VM command runs it here for one guest that runs
   * the C executor ({@link ExecutorBoot}): that guest's, per filesystem kind. Not an option.
   */
  java.util.function.Function<io.hmmfuzz.core.FsKind, io.hmmfuzz.linux.KernelTarget> hostedOn;

  /** The executor: the C executor in a guest; locally as given, else jna. */
  ExecutorKind executor() {
    return vm() ? ExecutorKind.C : executorOption != null ? executorOption : ExecutorKind.JNA;
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

  /** Boots a guest for the C executor (--target vm), saying so on {@code w}. */
  ExecutorGuest bootGuest(PrintWriter w, Duration hangTimeout) throws IOException {
    w.println("vm: booting " + kernel + " (the C executor in the guest, the engine here)");
    w.flush();
    ExecutorGuest g = ExecutorGuest.boot(kernel, ExecutorGuest.BOOT_TIMEOUT, hangTimeout, line -> { });
    w.printf("vm: guest up in %.1f s%n", g.bootSeconds());
    w.flush();
    return g;
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
