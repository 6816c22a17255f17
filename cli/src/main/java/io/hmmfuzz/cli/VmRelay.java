package io.hmmfuzz.cli;

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
 * back afterwards. The host prints the guest's output as it comes and reports kernel console splats
 * (WARNING, BUG, Oops, ...) as findings of their own, saved beside the other results.
 */
final class VmRelay {
  private VmRelay() {}

  private static final Set<String> HOST_ONLY = Set.of("--target", "--kernel", "--out");

  static int run(String subcommand, List<String> originalArgs, Path kernel, Path out, Duration timeout,
      PrintWriter w, PrintWriter err) throws IOException {
    if (kernel == null) {
      err.println("hmmfuzz: --target vm needs --kernel BZIMAGE (build one with 'hmmfuzz kernel build')");
      return ExitCode.USAGE;
    }
    List<String> args = new ArrayList<>();
    args.add(subcommand);
    boolean nameSeen = false;
    for (int i = 0; i < originalArgs.size(); i++) {
      String a = originalArgs.get(i);
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (HOST_ONLY.contains(name)) {
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
    List<String> guestArgs = new ArrayList<>(args);
    if (out != null) {
      guestArgs.add("--out");
      guestArgs.add("@SHARE@/out");
    }
    GuestVm.Result r = GuestVm.run(kernel, guestArgs, timeout, line -> {
      w.println(line);
      w.flush();
    }, line -> { });
    try {
      w.printf("vm: %s, booted in %.1f s%s%n", r.booted() ? "guest ran" : "guest did not boot", r.bootSeconds(),
          r.timedOut() ? ", killed after " + timeout + " (hang)" : "");
      Path errFile = r.share().resolve("stderr");
      if (Files.exists(errFile)) {
        String e = Files.readString(errFile).strip();
        if (!e.isEmpty()) {
          err.println(e);
        }
      }
      int reports = r.consoleReports().size();
      if (out != null) {
        copyBack(r.share().resolve("out"), out);
        for (int i = 0; i < reports; i++) {
          Files.createDirectories(out);
          Files.writeString(out.resolve("kernel-report-" + i + ".txt"), r.consoleReports().get(i));
        }
      }
      for (String rep : r.consoleReports()) {
        w.println("KERNEL REPORT on the guest console (a finding):");
        w.println(rep.strip());
      }
      if (!r.booted() || r.timedOut() || r.exitCode() < 0) {
        err.println("hmmfuzz: " + (r.timedOut() ? "the guest hung (killed after " + timeout + ")"
            : r.booted() ? "the guest ended without finishing the command" : "the VM did not boot") + "; console tail:");
        r.consoleTail().forEach(err::println);
        return reports > 0 ? ExitCode.DIVERGENCE : ExitCode.INFRASTRUCTURE;
      }
      return reports > 0 && r.exitCode() == ExitCode.OK ? ExitCode.DIVERGENCE : r.exitCode();
    } finally {
      GuestVm.cleanUp(r);
    }
  }

  private static void copyBack(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      return;
    }
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(f)) {
          Path tmp = to.resolve(".tmp-" + f.getFileName());
          Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, to.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
