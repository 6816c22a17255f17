package io.hmmfuzz.cli;

import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.vm.GuestVm;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs a subcommand inside a fresh guest ({@code --target vm}): the same command line with
 * {@code --target local}, its output directory redirected to the guest's writable share and copied
 * back afterwards. The host prints the guest's output as it comes. Kernel reports on the console
 * that stopped the guest (it died or stopped answering after them) are printed and saved beside the
 * other results; a guest that finished judged the kernel log itself.
 */
final class VmRelay {
  private VmRelay() {}

  /** Options that belong to the host side and are not passed on to the guest's command. */
  private static final Set<String> HOST_ONLY = Set.of("--target", "--kernel", "--out");

  /** The subcommand's own arguments without {@code hostOnly} options (and their values). */
  static List<String> guestArgs(String subcommand, List<String> originalArgs, Set<String> hostOnly) {
    List<String> args = new ArrayList<>();
    args.add(subcommand);
    boolean nameSeen = false;
    for (int i = 0; i < originalArgs.size(); i++) {
      String a = originalArgs.get(i);
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (HOST_ONLY.contains(name) || hostOnly.contains(name)) {
        if (!a.contains("=")) {
          i++;
        }
        continue;
      }
      if (!nameSeen && a.equals(subcommand)) {
        nameSeen = true;
      } else {
        args.add(a);
      }
    }
    args.add("--target");
    args.add("local");
    return args;
  }

  /** Whether --kernel is missing for --target vm, said on {@code err}. */
  static boolean kernelMissing(Path kernel, PrintWriter err) {
    if (kernel == null) {
      err.println("hmmfuzz: --target vm needs --kernel BZIMAGE (build one with 'hmmfuzz kernel build')");
    }
    return kernel == null;
  }

  static int run(String subcommand, List<String> originalArgs, Path kernel, Path out, Duration timeout,
      PrintWriter w, PrintWriter err) throws IOException {
    if (kernelMissing(kernel, err)) {
      return ExitCode.USAGE;
    }
    List<String> guestArgs = guestArgs(subcommand, originalArgs, Set.of());
    if (out != null) {
      guestArgs.add("--out");
      guestArgs.add("@SHARE@/out");
    }
    GuestVm.Result r = boot(kernel, guestArgs, timeout, null, w);
    List<String> jvmError = VmCampaign.jvmErrorHead(r.share());
    if (!jvmError.isEmpty() && (r.lastReports().isEmpty() || VmCampaign.diedInCompiledJava(jvmError))) {
      // The guest's JVM died of a signal with no kernel report, or in JIT-compiled Java code while the
      // kernel logged reports of its own (a planted WARNING of selftest logs one per program): seen in
      // hours of TCG guests, in C1 code (QEMU's emulation of code the JIT patches is the suspect). Not
      // the kernel's finding; one more fresh guest, and a second death is reported as it is.
      w.println("vm: the guest's JVM died (" + VmCampaign.jvmSignature(jvmError) + ")"
          + (r.lastReports().isEmpty() ? " with no kernel report" : " in JIT-compiled Java code")
          + "; its report head follows; running the command once more in a fresh guest");
      jvmError.stream().limit(12).forEach(w::println);
      GuestVm.cleanUp(r);
      r = boot(kernel, guestArgs, timeout, null, w);
    }
    try {
      printErrors(r, err);
      if (out != null) {
        copyBack(r.share().resolve("out"), out, Set.of());
        for (int i = 0; i < r.lastReports().size(); i++) {
          Files.writeString(out.resolve("kernel-report-" + i + ".txt"), r.lastReports().get(i).excerpt());
        }
      }
      if (!r.booted() || r.timedOut() || r.stalled() || r.exitCode() < 0) {
        printReports(r.lastReports(), w);
        err.println("hmmfuzz: " + (r.timedOut() ? "the guest hung (killed after " + timeout + ")"
            : r.stalled() ? "the guest stopped answering after a kernel report"
            : r.booted() ? "the guest ended without finishing the command" : "the VM did not boot") + "; console tail:");
        r.consoleTail().forEach(err::println);
        return r.lastReports().isEmpty() ? ExitCode.INFRASTRUCTURE : ExitCode.DIVERGENCE;
      }
      // The guest's command finished: it read the kernel log itself and judged each report.
      return r.exitCode();
    } finally {
      GuestVm.cleanUp(r);
    }
  }

  /** One guest run of {@code guestArgs}, its output printed on {@code w} as it comes. */
  static GuestVm.Result boot(Path kernel, List<String> guestArgs, Duration timeout, Duration stall, PrintWriter w)
      throws IOException {
    return boot(kernel, guestArgs, timeout, stall, w, line -> { });
  }

  /** As above; {@code seen} also gets each line of the guest's output. */
  static GuestVm.Result boot(Path kernel, List<String> guestArgs, Duration timeout, Duration stall, PrintWriter w,
      java.util.function.Consumer<String> seen) throws IOException {
    GuestVm.Result r = GuestVm.run(kernel, guestArgs, timeout, stall, line -> {
      w.println(line);
      w.flush();
      seen.accept(line);
    }, line -> { });
    w.printf("vm: %s, booted in %.1f s%s%n", r.booted() ? "guest ran" : "guest did not boot", r.bootSeconds(),
        r.timedOut() ? ", killed after " + timeout : r.stalled() ? ", killed: no progress (a hang, or a kernel report that stopped the guest)" : "");
    w.flush();
    return r;
  }

  static void printErrors(GuestVm.Result r, PrintWriter err) throws IOException {
    Path errFile = r.share().resolve("stderr");
    if (Files.exists(errFile)) {
      String e = Files.readString(errFile).strip();
      if (!e.isEmpty()) {
        err.println(e);
        err.flush();
      }
    }
  }

  static void printReports(List<KernelReport> reports, PrintWriter w) {
    for (KernelReport rep : reports) {
      w.println("KERNEL REPORT on the guest console: " + rep.title());
      w.println(rep.excerpt().strip());
    }
    w.flush();
  }

  /** Copies the regular files of {@code from} into {@code to} (each atomically), except {@code skip}. */
  static void copyBack(Path from, Path to, Set<String> skip) throws IOException {
    Files.createDirectories(to);
    if (!Files.isDirectory(from)) {
      return;
    }
    try (Stream<Path> s = Files.list(from)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        String name = f.getFileName().toString();
        // Not the guest's own files in the making (temp files it renames into place).
        if (Files.isRegularFile(f) && !skip.contains(name) && !name.startsWith(".")) {
          Path tmp = to.resolve(".tmp-" + f.getFileName());
          Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, to.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
