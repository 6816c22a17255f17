package io.hmmfuzz.vm;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.linux.Commands;
import io.hmmfuzz.linux.ConsoleWatch;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Boots a kernel under QEMU (KVM when /dev/kvm exists, TCG otherwise) with the host's root shared
 * read-only over 9p, so the guest runs this same Java and these same classes, and a writable 9p share
 * for results. The guest's init mounts the pseudo filesystems and runs one hmmfuzz command; memmap=
 * gives it a pmem device for fs-dax. The console is watched for kernel reports.
 */
public final class GuestVm {
  /**
   * What a guest run produced. {@code consoleReports} are all kernel reports on its console;
   * {@code lastReports} those since the guest's current program started (what stopped it, if anything;
   * for a command without an in-flight program, since boot).
   */
  public record Result(boolean booted, double bootSeconds, boolean timedOut, boolean stalled, int exitCode,
      Path share, List<KernelReport> consoleReports, List<KernelReport> lastReports, List<String> consoleTail) {}

  /**
   * In the writable share: the program the guest is running, rewritten before each run (a command's
   * {@code --in-flight}); with the guest's output, its heartbeat.
   */
  public static final String IN_FLIGHT = "in-flight.repro";
  /** In the share: the guest JVM's fatal error report, if it died (HotSpot -XX:ErrorFile, %p the pid). */
  public static final String JVM_ERROR_FILE = "hs_err_pid%p.log";

  /** How long a guest may make no progress after a kernel report on its console before it counts as stuck. */
  static final Duration REPORT_STALL = Duration.ofSeconds(20);

  public static final String MAIN_CLASS = "io.hmmfuzz.cli.Main";
  public static final String MEMORY = "3G";
  /** 1 GiB of the guest's RAM at 1 GiB becomes /dev/pmem0 (legacy pmem, CONFIG_X86_PMEM_LEGACY). */
  public static final String MEMMAP = "memmap=1G!1G";

  private GuestVm() {}

  /** The shell the guest runs as init. /run and /dev/shm are tmpfs in the guest; /tmp is the host's, read-only. */
  /** The guest's writable scratch directory (a tmpfs): its HOME, TMPDIR, JVM temp and scratch base. */
  static final String GUEST_SCRATCH = "/run";

  static String initScript(Path share, List<String> command) {
    StringBuilder cmd = new StringBuilder();
    for (String c : command) {
      cmd.append(" '").append(c.replace("'", "'\\''")).append('\'');
    }
    return initPrelude(share)
        + "cd " + GUEST_SCRATCH + "\n"
        + cmd + " > '" + share.resolve("stdout") + "' 2> '" + share.resolve("stderr") + "'\n"
        + "echo $? > '" + share.resolve("exit") + ".part' && mv '" + share.resolve("exit") + ".part' '"
        + share.resolve("exit") + "'\n"
        + "sync\necho hmmfuzz-guest: done\n"
        + "exit 0\n";
  }

  /**
   * Runs {@code hmmfuzzArgs} in a fresh guest ({@code @SHARE@} in an argument stands for the writable
   * share's path). The share directory (for results) stays for the caller
   * to read and is returned in the result; the caller deletes it. The guest is killed after
   * {@code timeout}, or once booted when neither its output nor {@link #IN_FLIGHT} changed for
   * {@code stall} (null: no such check), or for {@link #REPORT_STALL} after a kernel report that came
   * with no progress since: a hang. The console shows messages up to KERN_WARNING (loglevel=5), so
   * a report's trace is on it too.
   */
  public static Result run(Path bzImage, List<String> hmmfuzzArgs, Duration timeout, Duration stall,
      Consumer<String> guestOut, Consumer<String> console) throws IOException {
    Path qemu = Commands.find("qemu-system-x86_64");
    if (qemu == null) {
      throw new TargetUnavailableException("qemu-system-x86_64 not found: apt-get install qemu-system-x86");
    }
    if (!Files.isRegularFile(bzImage)) {
      throw new TargetUnavailableException("no kernel at " + bzImage + ": build one with 'hmmfuzz kernel build'");
    }
    // With an owner file: a run killed before it deletes this leaves it to the next run to remove.
    Path work = ScratchFilesystem.workDirectory("vm");
    Path share = work.resolve("share");
    Files.createDirectory(share);
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The guest starts in its scratch directory: every class path entry must be absolute.
    StringBuilder cp = new StringBuilder();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      cp.append(cp.length() > 0 ? File.pathSeparator : "").append(Path.of(e).toAbsolutePath());
    }
    // A JVM that dies in the guest leaves its hs_err report in the share, for the crash reproducer.
    List<String> command = new ArrayList<>(List.of(java, "-XX:ErrorFile=" + share.resolve(JVM_ERROR_FILE),
        "-XX:-UsePerfData", "-Djava.io.tmpdir=" + GUEST_SCRATCH, "-cp", cp.toString(), MAIN_CLASS));
    for (String a : hmmfuzzArgs) {
      command.add(a.replace("@SHARE@", share.toString()));
    }
    Path init = share.resolve("init.sh");
    Files.writeString(init, initScript(share, command));
    Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> q = qemuCommand(qemu, bzImage, init, share);
    long t0 = System.nanoTime();
    double[] boot = {-1};
    Qemu qemuRun = Qemu.start(q, work, line -> {
      if (line.contains("hmmfuzz-guest: up") && boot[0] < 0) {
        boot[0] = (System.nanoTime() - t0) / 1e9;
      }
      console.accept(line);
    });
    Process p = qemuRun.process();
    Thread reaper = qemuRun.reaper();
    Thread reader = qemuRun.reader();
    ConsoleWatch watch = qemuRun.watch();
    List<String> tail = qemuRun.tail();
    Path stdout = share.resolve("stdout");
    Path inFlight = share.resolve(IN_FLIGHT);
    long offset = 0;
    boolean timedOut = false;
    boolean stalled = false;
    long deadline = t0 + timeout.toNanos();
    long lastProgress = System.nanoTime();
    long lastBeat = -1;
    int reportsAtProgress = 0;
    int reportsAtOutput = 0;
    try {
      while (p.isAlive()) {
        long before = offset;
        offset = follow(stdout, offset, guestOut);
        long beat = Files.exists(inFlight) ? Files.getLastModifiedTime(inFlight).toMillis() : -1;
        long now = System.nanoTime();
        if (offset != before || beat != lastBeat || boot[0] < 0) {
          lastProgress = now;
        }
        if (offset != before || boot[0] < 0) {
          reportsAtOutput = watch.reports().size();
        }
        // The reports that count against the program are those since it started (a new in-flight
        // program), or since the guest last printed, whichever is earlier: a STUCK report printed after
        // a warning is output, yet the warning is still what stopped the program; and the in-flight
        // file's time, seen through 9p, may move after a report (its write-back comes late: an Oops in
        // dmirror_do_read was once taken for a bare hang).
        if (beat != lastBeat || boot[0] < 0) {
          lastBeat = beat;
          reportsAtProgress = watch.reports().size();
        }
        // After a kernel report on the console (an Oops kills the task in the kernel, and the JVM waits
        // for it forever) a short stall is enough.
        long limit = stall == null ? Long.MAX_VALUE : stall.toNanos();
        if (watch.reports().size() > Math.min(reportsAtProgress, reportsAtOutput)) {
          limit = Math.min(limit, REPORT_STALL.toNanos());
        }
        if (now > deadline || now - lastProgress > limit) {
          timedOut = now > deadline;
          stalled = !timedOut;
          p.destroyForcibly();
          break;
        }
        p.waitFor(200, TimeUnit.MILLISECONDS);
      }
      p.waitFor(10, TimeUnit.SECONDS);
      reader.join(2000);
      follow(stdout, offset, guestOut);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new InfrastructureException("interrupted while the VM ran", e);
    }
    Runtime.getRuntime().removeShutdownHook(reaper);
    Path exit = share.resolve("exit");
    int code = Files.exists(exit) ? Integer.parseInt(Files.readString(exit).trim()) : -1;
    List<String> t;
    synchronized (tail) {
      t = List.copyOf(tail);
    }
    List<KernelReport> reports = watch.reports();
    return new Result(boot[0] >= 0, boot[0], timedOut, stalled, code, share, reports,
        reports.subList(Math.min(Math.min(reportsAtProgress, reportsAtOutput), reports.size()), reports.size()), t);
  }

  /**
   * A running QEMU: its console read line by line into a {@link ConsoleWatch}, a tail of the last
   * lines and a count of them all (each line also to {@code onLine}), and a shutdown hook that takes QEMU and the work directory
   * with this JVM if it ends first.
   */
  record Qemu(Process process, Thread reaper, Thread reader, ConsoleWatch watch, List<String> tail,
      java.util.concurrent.atomic.AtomicLong lines) {
    static final int TAIL = 60;

    static Qemu start(List<String> command, Path work, Consumer<String> onLine) throws IOException {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
      Thread reaper = new Thread(() -> {
        p.destroyForcibly();
        ScratchFilesystem.deleteTree(work);
      }, "hmmfuzz-vm-reaper");
      Runtime.getRuntime().addShutdownHook(reaper);
      ConsoleWatch watch = new ConsoleWatch();
      List<String> tail = new ArrayList<>();
      java.util.concurrent.atomic.AtomicLong lines = new java.util.concurrent.atomic.AtomicLong();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null;) {
            line = line.replace("\r", "");
            synchronized (tail) {
              tail.add(line);
              if (tail.size() > TAIL) {
                tail.remove(0);
              }
            }
            watch.accept(line);
            onLine.accept(line);
            lines.incrementAndGet();
          }
        } catch (IOException e) {
          // QEMU went away
        }
      }, "hmmfuzz-vm-console");
      reader.setDaemon(true);
      reader.start();
      return new Qemu(p, reaper, reader, watch, tail, lines);
    }
  }

  /**
   * The QEMU command line of a guest: the host's root read-only over 9p, {@code share} writable, the
   * pmem of {@link #MEMMAP}, {@code init} as init, the console on stdio.
   */
  static List<String> qemuCommand(Path qemu, Path bzImage, Path init, Path share) {
    boolean kvm = kvmUsable();
    // Under TCG the two vCPUs take turns on one host thread (thread=single), not one thread each: the
    // guest JVM died in C1-compiled code about once in four multi-threaded TCG campaigns (SIGSEGV,
    // SIGILL a few bytes into a method). C1 patches code that another thread may be running, which
    // x86 allows and QEMU's multi-threaded TCG is the suspect for emulating loosely. The kernel still
    // runs SMP code paths with two CPUs.
    return new ArrayList<>(List.of(qemu.toString(), "-m", MEMORY, "-smp", "2", "-nographic", "-no-reboot",
        "-accel", kvm ? "kvm" : "tcg,thread=single", "-kernel", bzImage.toString(), "-append",
        "console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro init="
            + init + " " + MEMMAP + " panic=-1 loglevel=5",
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", "local,id=share,path=" + share + ",security_model=none,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=share,mount_tag=share"));
  }

  /** The guest's mounts and environment, the start of every init script. */
  static String initPrelude(Path share) {
    // The host's /tmp stays visible (read-only, through the root share): a clone under /tmp has its jar
    // and its corpus there. The guest's own writable scratch is a tmpfs on /run.
    return "#!/bin/sh\n"
        + "export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=" + GUEST_SCRATCH + " HMMFUZZ_SCRATCH=" + GUEST_SCRATCH
        + " TMPDIR=" + GUEST_SCRATCH + " LANG=C.UTF-8\n"
        + "export " + LinuxTarget.OWN_KERNEL_ENV + "=1\n"
        + "mount -t proc proc /proc\nmount -t sysfs sys /sys\nmount -t devtmpfs dev /dev 2>/dev/null\n"
        + "mount -t debugfs debug /sys/kernel/debug 2>/dev/null\n"
        + "mount -t tmpfs run " + GUEST_SCRATCH + "\nmkdir -p /dev/shm\nmount -t tmpfs shm /dev/shm\n"
        + "mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share '" + share + "'\n"
        + "echo hmmfuzz-guest: up\n";
  }

  /**
   * KVM only where /dev/kvm is writable and the CPU has hardware virtualisation (vmx or svm): a
   * /dev/kvm without it (seen in a nested guest) makes QEMU hang before the kernel runs.
   * HMMFUZZ_ACCEL=kvm|tcg overrides.
   */
  static boolean kvmUsable() {
    String forced = System.getenv("HMMFUZZ_ACCEL");
    if (forced != null && !forced.isEmpty()) {
      return forced.equals("kvm");
    }
    if (!Files.isWritable(Path.of("/dev/kvm"))) {
      return false;
    }
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("flags") && (l.contains(" vmx") || l.contains(" svm"))) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static long follow(Path file, long offset, Consumer<String> sink) throws IOException {
    if (!Files.exists(file)) {
      return offset;
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      if (f.length() <= offset) {
        return offset;
      }
      f.seek(offset);
      byte[] buf = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
      f.readFully(buf);
      String s = new String(buf, StandardCharsets.UTF_8);
      int last = s.lastIndexOf('\n');
      if (last < 0) {
        return offset;
      }
      for (String line : s.substring(0, last).split("\n", -1)) {
        sink.accept(line);
      }
      return offset + s.substring(0, last + 1).getBytes(StandardCharsets.UTF_8).length;
    }
  }

  /** Deletes the work directory of a run (share and all). */
  public static void cleanUp(Result r) {
    ScratchFilesystem.deleteTree(r.share().getParent());
  }
}
