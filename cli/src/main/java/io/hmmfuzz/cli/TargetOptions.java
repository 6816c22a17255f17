package io.hmmfuzz.cli;

import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.vm.ExecutorGuest;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Option;

/** {@code --target local|vm} and {@code --kernel}, shared by the commands that run programs. */
final class TargetOptions {
  @Option(names = "--target", defaultValue = "local",
      description = "local (this kernel) or vm (a guest booted from --kernel under QEMU)")
  String target;

  @Option(names = "--kernel", description = "bzImage for --target vm (from 'hmmfuzz kernel build')")
  Path kernel;

  @Option(names = "--executor", converter = ExecutorConverter.class,
      description = "what runs the programs' system calls: c (the C executor, built with gcc on first use: the"
          + " guest's only program, with the engine here; a child process locally) or jna (a JVM on that kernel:"
          + " this one, or one in the guest). Default: jna locally (the faster there), c in a guest")
  ExecutorKind executorOption;

  /**
   * Where the command gets its targets instead, when a VM command runs it here for one guest that runs
   * the C executor ({@link ExecutorBoot}): that guest's, per filesystem kind. Not an option.
   */
  java.util.function.Function<io.hmmfuzz.core.FsKind, io.hmmfuzz.linux.KernelTarget> hostedOn;

  /** The executor: as given, else jna on the local kernel and c in a guest. */
  ExecutorKind executor() {
    return executorOption != null ? executorOption : vm() ? ExecutorKind.C : ExecutorKind.JNA;
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

  /** A guest that runs the C executor, with the engine here (no JVM in the guest). */
  boolean guestExecutor() {
    return vm() && executor() == ExecutorKind.C;
  }

  /** Boots a guest for the C executor (--target vm --executor c), saying so on {@code w}. */
  ExecutorGuest bootGuest(PrintWriter w, Duration hangTimeout) throws IOException {
    w.println("vm: booting " + kernel + " (the C executor in the guest, the engine here)");
    w.flush();
    ExecutorGuest g = ExecutorGuest.boot(kernel, ExecutorGuest.BOOT_TIMEOUT, hangTimeout, line -> { });
    w.printf("vm: guest up in %.1f s%n", g.bootSeconds());
    w.flush();
    return g;
  }

  /** A usage error for a --target that is neither local nor vm, else null. */
  Integer checkTarget(CommandSpec spec) {
    if (!target.equals("local") && !target.equals("vm")) {
      spec.commandLine().getErr().println("hmmfuzz: --target is local or vm, not '" + target + "'");
      return ExitCode.USAGE;
    }
    return null;
  }

  /**
   * For --target vm, runs the command in a guest and returns its exit code; for local, null (the
   * caller runs it here).
   */
  Integer relayToVm(CommandSpec spec, String subcommand, Path out, Duration timeout) throws IOException {
    Integer bad = checkTarget(spec);
    if (bad != null || target.equals("local")) {
      return bad;
    }
    if (guestExecutor()) {
      // The command runs here and boots its own guest for the executor.
      return VmRelay.kernelMissing(kernel, spec.commandLine().getErr()) ? ExitCode.USAGE : null;
    }
    return VmRelay.run(subcommand, withAbsolutePaths(spec.commandLine().getParseResult()), kernel, out, timeout,
        spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  /**
   * The command line with each path given as a positional parameter or an option's value (a reproducer,
   * a directory of them, --known) made absolute: the guest sees the host's root at the same paths, but starts in another directory.
   */
  static List<String> withAbsolutePaths(ParseResult parsed) {
    Set<String> paths = new HashSet<>();
    for (PositionalParamSpec p : parsed.matchedPositionals()) {
      if (p.type() == Path.class) {
        paths.addAll(p.originalStringValues());
      }
    }
    for (picocli.CommandLine.Model.OptionSpec o : parsed.matchedOptions()) {
      if (o.type() == Path.class) {
        paths.addAll(o.originalStringValues()); // --known corpus/reproducers, --out DIR
      }
    }
    List<String> args = new ArrayList<>();
    for (String a : parsed.originalArgs()) {
      args.add(paths.contains(a) ? Path.of(a).toAbsolutePath().normalize().toString() : a);
    }
    return args;
  }
}
