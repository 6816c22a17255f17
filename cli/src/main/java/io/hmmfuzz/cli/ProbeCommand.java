package io.hmmfuzz.cli;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.gen.Probes;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.guests.QemuGuest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hmmfuzz probe}: what this machine offers, found by trying it. */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = "Report the kernel, page size, root, test_hmm, and for each filesystem whether a scratch"
        + " filesystem can be made and what it supports (reflink, MAP_SYNC, DAX, zero range).")
final class ProbeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  TargetOptions targetOptions;

  @Override
  public Integer call() throws java.io.IOException {
    Integer bad = targetOptions.checkTarget(spec);
    if (bad != null) {
      return bad;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (targetOptions.vm()) {
      // A guest's kernel, asked through the C executor: its kernel and test_hmm come with the first target.
      out.println("vm: booting " + targetOptions.kernel + " (the C executor in the guest, the engine here)");
      out.flush();
      try (QemuGuest g = QemuGuest.boot(targetOptions.kernel, Duration.ofMinutes(2))) {
        out.printf("vm: guest up in %.1f s%n", g.bootSeconds());
        out.flush();
        return probeEach(out, g::target, c -> {
          out.printf("kernel     %s%n", c.kernel());
          out.printf("test_hmm   %s%n", c.testHmm() ? "yes" : "no");
        });
      }
    }
    out.printf("kernel     %s%n", LinuxTarget.runningKernel());
    String device = LinuxTarget.testHmmDevice();
    out.printf("root       %s%n", LinuxTarget.root() ? "yes" : "no");
    out.printf("test_hmm   %s%n", LinuxTarget.testHmmPresent() ? "yes (" + device + ")"
        : "no (" + device + " missing: needs CONFIG_TEST_HMM; see the VM target)");
    return probeEach(out, k -> LinuxTarget.create(k, targetOptions.executor()), c -> { });
  }

  /**
   * Each filesystem kind, one after another: opened with {@code open} (the first usable one's
   * capabilities to {@code first}), reported, its probe programs run, closed.
   */
  private static int probeEach(PrintWriter out, Function<FsKind, KernelTarget> open, Consumer<Capabilities> first) {
    int usable = 0;
    int contradictions = 0;
    for (FsKind k : FsKind.values()) {
      try (KernelTarget t = open.apply(k)) {
        if (usable == 0) {
          first.accept(t.capabilities());
        }
        // The calls themselves, against what the evidence says the kernel must answer.
        contradictions += report(out, k, t.capabilities(), t.evidence(), Probes.run(t));
        usable++;
      } catch (TargetUnavailableException | InfrastructureException e) {
        out.printf("%-10s not usable: %s%n", k.id(), e.getMessage());
      }
    }
    return contradictions > 0 ? ExitCode.DIVERGENCE : usable > 0 ? ExitCode.OK : ExitCode.SKIPPED;
  }

  /** One filesystem's capabilities, their evidence and the probe programs' contradictions; how many. */
  private static int report(PrintWriter out, FsKind k, Capabilities c, java.util.List<String> evidence,
      java.util.List<Probes.Contradiction> found) {
    out.printf("%-10s usable: page %d, block %d, reflink %s, MAP_SYNC %s, DAX %s, zero-range %s%n", k.id(),
        c.pageSize(), c.blockSize(), yn(c.reflink()), yn(c.mapSync()), yn(c.dax()), yn(c.zeroRange()));
    evidence.forEach(e -> out.printf("%-10s   %s%n", "", e));
    for (Probes.Contradiction x : found) {
      out.printf("%-10s   FINDING: the %s probe contradicts its rule (%s); the model keeps the rule:%n", "",
          x.probe().capability(), x.divergence().signature().text());
      x.divergence().render(null).lines().forEach(l -> out.printf("%-10s   %s%n", "", l));
    }
    out.flush();
    return found.size();
  }

  private static String yn(boolean b) {
    return b ? "yes" : "no";
  }
}
