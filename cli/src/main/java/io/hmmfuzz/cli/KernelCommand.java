package io.hmmfuzz.cli;

import io.hmmfuzz.vm.EmbeddedConfig;
import io.hmmfuzz.vm.KernelBuild;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz kernel build|check}: kernels for the VM target. */
@Command(name = "kernel", mixinStandardHelpOptions = true, description = "Build or check a kernel for the VM target.",
    subcommands = {KernelCommand.Build.class, KernelCommand.Check.class})
final class KernelCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: build or check");
  }

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = "Build a bzImage with test_hmm, device-private memory, fs-dax, pmem, XFS, ext4, btrfs and 9p;"
          + " cached outside the repository by source and config. The last line printed is the bzImage's path.")
  static final class Build implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--source", description = "kernel tree or .tar.xz (default /usr/src/linux-source-6.1.tar.xz)")
    Path source;

    @Option(names = "--base-config", description = "a .config to start from (default: tinyconfig)")
    Path baseConfig;

    @Option(names = "--out", description = "cache directory (default /var/cache/hmmfuzz/kernels as root)")
    Path out;

    @Override
    public Integer call() throws IOException {
      PrintWriter w = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path image = new KernelBuild(source, baseConfig, out, l -> {
        err.println("kernel: " + l);
        err.flush();
      }).build();
      w.println(image);
      return ExitCode.OK;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Say whether a kernel has what the VM target needs, from its embedded config (CONFIG_IKCONFIG).")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "BZIMAGE")
    Path image;

    @Override
    public Integer call() throws IOException {
      PrintWriter w = spec.commandLine().getOut();
      if (!Files.isRegularFile(image)) {
        spec.commandLine().getErr().println("hmmfuzz: no such file: " + image);
        return ExitCode.USAGE;
      }
      Optional<String> config = EmbeddedConfig.of(image);
      if (config.isEmpty()) {
        w.println(image + ": no embedded config found (needs CONFIG_IKCONFIG and a gzip-compressed kernel);"
            + " cannot tell what it supports without booting it");
        return ExitCode.SKIPPED;
      }
      List<String> missing = KernelBuild.missing(config.get(), null, false);
      if (missing.isEmpty()) {
        w.println(image + ": has every option the VM target needs (test_hmm, DEVICE_PRIVATE, FS_DAX, pmem, XFS, ext4,"
            + " 9p)");
        for (String m : KernelBuild.missing(config.get(), null, true)) {
          w.println("  " + m + ": only --fs of that filesystem needs it, and is skipped in its guests");
        }
        return ExitCode.OK;
      }
      w.println(image + ": lacks options the VM target needs:");
      missing.forEach(m -> w.println("  " + m));
      return ExitCode.SKIPPED;
    }
  }
}
