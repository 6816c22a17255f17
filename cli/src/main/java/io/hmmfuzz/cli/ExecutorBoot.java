package io.hmmfuzz.cli;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.linux.ScratchFilesystem;
import io.hmmfuzz.vm.ExecutorGuest;
import io.hmmfuzz.vm.GuestTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * One guest that runs the C executor, for one command of a VM command across guests (a campaign's boot,
 * a shrink's guest, a replay in a fresh guest): the command line runs here, in this JVM, against
 * {@link GuestTarget}s of that guest. What it leaves (its out directory, the in-flight program, its
 * stderr) goes to a share directory here, and the boot is described by a {@link Result}.
 */
final class ExecutorBoot {
  private ExecutorBoot() {}

  /**
   * What a guest's command left. {@code consoleReports} are all kernel reports on its console;
   * {@code lastReports} those since the guest's current program started (what stopped it, if anything;
   * for a command without an in-flight program, since boot). {@code stalled}: ended because a request
   * got no answer; {@code exitCode}: the command's, or the executor's exit status if the guest died
   * (-1 if unknown).
   */
  record Result(boolean booted, double bootSeconds, boolean stalled, int exitCode, Path share,
      List<KernelReport> consoleReports, List<KernelReport> lastReports, List<String> consoleTail) {}

  /** In the share: the program the guest is running, rewritten before each run (a command's {@code --in-flight}). */
  static final String IN_FLIGHT = "in-flight.repro";

  /** Deletes the work directory of a guest's command (share and all). */
  static void cleanUp(Result r) {
    ScratchFilesystem.deleteTree(r.share().getParent());
  }

  /** The guest init's line when its executor ended (ExecutorGuest.initScript). */
  private static final java.util.regex.Pattern EXECUTOR_ENDED =
      java.util.regex.Pattern.compile("hmmfuzz-guest: executor ended with (\\d+)");

  static Result run(Path kernel, List<String> commandArgs, Duration hangTimeout, PrintWriter w,
      Consumer<String> lines) throws IOException {
    return run(kernel, commandArgs, hangTimeout, null, w, lines);
  }

  /**
   * As above; where the command's output names its out directory in the share ({@code @SHARE@/out}),
   * the user is shown {@code finalOut} instead, where the files are copied (a campaign's --out).
   */
  static Result run(Path kernel, List<String> commandArgs, Duration hangTimeout, Path finalOut,
      PrintWriter w, Consumer<String> lines) throws IOException {
    Path work = ScratchFilesystem.workDirectory("vm-host");
    Path share = work.resolve("share");
    Files.createDirectory(share);
    List<String> args = new ArrayList<>();
    // The guest's command line ("fuzz", "shrink" or "replay" and its options), run here.
    for (String a : commandArgs) {
      args.add(a.replace("@SHARE@", share.toString()));
    }
    ExecutorGuest guest;
    try {
      guest = ExecutorGuest.boot(kernel, ExecutorGuest.BOOT_TIMEOUT, hangTimeout, line -> { });
    } catch (InfrastructureException e) {
      return new Result(false, -1, false, -1, share, List.of(), List.of(),
          List.of(String.valueOf(e.getMessage()).split("\n")));
    }
    w.printf("vm: guest up in %.1f s (C executor; the engine runs here)%n", guest.bootSeconds());
    w.flush();
    GuestTarget[] target = {null};
    CommandLine cl = new CommandLine(new Main());
    ((TargetOptions) cl.getSubcommands().get(args.get(0)).getMixins().get("targetOptions")).hostedOn =
        kind -> target[0] = GuestTarget.create(guest, kind);
    String shareOut = share.resolve("out").toString();
    PrintWriter out = new PrintWriter(new LineWriter(line -> {
      w.println(finalOut == null ? line : line.replace(shareOut, finalOut.toString()));
      w.flush();
      lines.accept(line);
    }), true);
    cl.setOut(out);
    int exit;
    boolean died = false;
    try (PrintWriter err = new PrintWriter(Files.newBufferedWriter(share.resolve("stderr")), true)) {
      cl.setErr(err);
      Exception[] thrown = {null};
      cl.setExecutionExceptionHandler((ex, c, parsed) -> {
        thrown[0] = ex;
        return -1;
      });
      exit = cl.execute(args.toArray(String[]::new));
      out.flush();
      // A report that ended the program reaches the console after the executor's channel closed.
      guest.settleConsole();
      if (thrown[0] != null) {
        if (!(thrown[0] instanceof InfrastructureException) || guest.alive() && !guest.hung() && !guest.link().broken()) {
          guest.close();
          throw thrown[0] instanceof RuntimeException re ? re : new IllegalStateException(thrown[0]);
        }
        if (guest.killedFromOutside() && guest.consoleReports().isEmpty()) {
          guest.close();
          throw new InfrastructureException("QEMU ended of a signal hmmfuzz did not send, with no kernel report on"
              + " the console (killed from outside, or QEMU crashed): an infrastructure failure, not a finding",
              thrown[0]);
        }
        // The guest died or was ended as hung during a program: a crash or a hang of that program. Its
        // exit code is the executor's, as the guest's init saw it (139: it died of SIGSEGV), if it ended.
        died = true;
        exit = guest.consoleTail().stream().map(EXECUTOR_ENDED::matcher).filter(java.util.regex.Matcher::find)
            .map(m -> Integer.parseInt(m.group(1))).reduce((a, b) -> b).filter(c -> c > ExitCode.DIVERGENCE)
            .orElse(-1);
        err.println("the guest " + (guest.hung() ? "stopped answering" : "died") + ": " + thrown[0].getMessage());
      }
    }
    List<KernelReport> all = guest.consoleReports();
    List<KernelReport> last = target[0] == null ? all : target[0].reportsSinceProgramStart();
    List<String> tail = new ArrayList<>(guest.consoleTail());
    if (died && guest.hung()) {
      tail.add("hmmfuzz: the guest's executor left a " + guest.link().lastCall() + " request unanswered; the guest"
          + " was ended");
    }
    Result r = new Result(true, guest.bootSeconds(), died && guest.hung(), exit, share, all,
        last, tail);
    guest.close();
    return r;
  }

  /** A Writer that hands on whole lines. */
  private static final class LineWriter extends Writer {
    private final Consumer<String> sink;
    private final StringBuilder line = new StringBuilder();

    LineWriter(Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public synchronized void write(char[] buf, int off, int len) {
      for (int i = off; i < off + len; i++) {
        char c = buf[i];
        if (c == '\n') {
          sink.accept(line.toString());
          line.setLength(0);
        } else if (c != '\r') {
          line.append(c);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public synchronized void close() {
      if (line.length() > 0) {
        sink.accept(line.toString());
        line.setLength(0);
      }
    }
  }
}
