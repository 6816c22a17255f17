package io.hmmfuzz.vm;

import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.linux.Commands;
import io.hmmfuzz.linux.ConsoleWatch;
import io.hmmfuzz.linux.ExecutorBuild;
import io.hmmfuzz.linux.ExecutorLink;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A guest booted to run the C executor and nothing else: no JVM in the guest. Its init mounts the
 * pseudo filesystems and runs the executor on a virtio-serial port, whose other end is a UNIX socket
 * of this JVM; the engine (generator, model, checks, shrinker) stays here and sends the guest one
 * request at a time ({@link ExecutorLink}). The console is watched for kernel reports; a request that
 * gets no answer for the hang timeout ends the guest, so the link fails instead of waiting forever.
 */
public final class ExecutorGuest implements AutoCloseable {
  /** How long a guest may take to boot and say hello under TCG on a busy machine. */
  public static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);

  /** The virtio-serial port's name, which the guest's init looks up in sysfs. */
  static final String PORT = "hmmfuzz.executor";

  /** QEMU, its console and its reaper. */
  private final GuestVm.Qemu qemu;
  private final Path work;
  private final ExecutorLink link;
  private final double bootSeconds;
  /** The kernel it booted. */
  private final Path bzImage;
  private final Thread watchdog;
  private volatile boolean hung;
  private volatile boolean closing;

  private ExecutorGuest(GuestVm.Qemu qemu, Path work, ExecutorLink link, double bootSeconds, Duration hangTimeout,
      Path bzImage) {
    this.bzImage = bzImage;
    this.qemu = qemu;
    this.work = work;
    this.link = link;
    this.bootSeconds = bootSeconds;
    Process p = qemu.process();
    ConsoleWatch watch = qemu.watch();
    this.watchdog = new Thread(() -> {
      while (p.isAlive()) {
        long since = link.busySince();
        long now = System.nanoTime();
        // A kernel report during a request that then stays unanswered (an Oops kills or wedges the task
        // in the kernel) needs no full hang timeout: GuestVm.REPORT_STALL after the report. The report's
        // own time counts, not when this watch first saw the request: a whole program runs ahead of the
        // host, and an Oops may be on the console before this loop looks.
        long reportAt = watch.lastReportAt();
        boolean stalled = since != 0 && reportAt > since && now - reportAt > GuestVm.REPORT_STALL.toNanos();
        if (since != 0 && (now - since > hangTimeout.toNanos() || stalled)) {
          hung = true;
          link.endedBecause((stalled
              ? "the guest was ended " + GuestVm.REPORT_STALL.toSeconds() + " s after a kernel report on its console"
              : "the guest was ended after " + hangTimeout.toSeconds() + " s (the hang timeout)") + stuckLine(qemu));
          p.destroyForcibly();
          return;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "hmmfuzz-guest-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /**
   * Boots {@code bzImage} and waits until its executor says hello (at most {@code bootTimeout}). Each
   * console line goes to {@code console} too.
   */
  /**
   * The .config the booted kernel was built with, where it lies beside the bzImage (as 'hmmfuzz kernel
   * build' leaves it), or null.
   */
  public String kernelConfig() {
    Path config = bzImage.toAbsolutePath().getParent().resolve("config");
    try {
      return java.nio.file.Files.isRegularFile(config) ? java.nio.file.Files.readString(config) : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  public static ExecutorGuest boot(Path bzImage, Duration bootTimeout, Duration hangTimeout, Consumer<String> console)
      throws IOException {
    Path qemuBin = Commands.find("qemu-system-x86_64");
    if (qemuBin == null) {
      throw new TargetUnavailableException("qemu-system-x86_64 not found: apt-get install qemu-system-x86");
    }
    if (!Files.isRegularFile(bzImage)) {
      throw new TargetUnavailableException("no kernel at " + bzImage + ": build one with 'hmmfuzz kernel build'");
    }
    Path executor = ExecutorBuild.binary();
    Path work = ScratchFilesystem.workDirectory("vm");
    Path share = work.resolve("share");
    Files.createDirectory(share);
    Path socket = work.resolve("executor.sock");
    Path init = share.resolve("init.sh");
    Files.writeString(init, initScript(share, executor, stuckAfter(hangTimeout)));
    Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    List<String> q = GuestVm.qemuCommand(qemuBin, bzImage, init, share);
    q.addAll(List.of("-device", "virtio-serial-pci", "-chardev", "socket,id=executor,path=" + socket,
        "-device", "virtserialport,chardev=executor,name=" + PORT));
    long t0 = System.nanoTime();
    GuestVm.Qemu qemu = GuestVm.Qemu.start(q, work, console);
    Process p = qemu.process();
    // A guest that does not come up in time is ended, which ends the wait for its hello too.
    java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();
    Thread bootWatch = new Thread(() -> {
      try {
        p.waitFor(bootTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (!up.get()) {
          // Not up in time, or QEMU is gone before it connected: stop waiting for either.
          p.destroyForcibly();
          server.close();
        }
      } catch (InterruptedException | IOException e) {
        // booted
      }
    }, "hmmfuzz-vm-boot-watch");
    bootWatch.setDaemon(true);
    bootWatch.start();
    ExecutorLink link;
    try {
      SocketChannel ch = server.accept();
      link = ExecutorLink.over(Channels.newInputStream(ch), Channels.newOutputStream(ch), "the guest");
      up.set(true);
      bootWatch.interrupt();
    } catch (IOException e) {
      p.destroyForcibly();
      Runtime.getRuntime().removeShutdownHook(qemu.reaper());
      ScratchFilesystem.deleteTree(work);
      List<String> t;
      synchronized (qemu.tail()) {
        t = List.copyOf(qemu.tail());
      }
      throw new InfrastructureException("the VM did not boot to its executor (QEMU ended, or no hello within "
          + bootTimeout + ": " + e.getMessage() + "); console tail:\n" + String.join("\n", t), e);
    } finally {
      server.close();
    }
    return new ExecutorGuest(qemu, work, link, (System.nanoTime() - t0) / 1e9, hangTimeout, bzImage);
  }

  /**
   * When the executor writes its STUCK line (state, system call, wait channel) to the console: half
   * the hang timeout, so that the console has it before the guest is ended as hung.
   */
  static long stuckAfter(Duration hangTimeout) {
    return Math.max(1, hangTimeout.toSeconds() / 2);
  }

  /** The guest's init: mounts, then the executor on the port named {@link #PORT}, then power off. */
  static String initScript(Path share, Path executor, long stuckAfterSeconds) {
    return GuestVm.initPrelude(share)
        + "port=\n"
        + "for p in /sys/class/virtio-ports/*; do\n"
        + "  [ \"$(cat \"$p/name\" 2>/dev/null)\" = " + PORT + " ] && port=/dev/${p##*/}\n"
        + "done\n"
        + "echo hmmfuzz-guest: executor on $port\n"
        + "cd " + GuestVm.GUEST_SCRATCH + "\n"
        + "'" + executor + "' \"$port\" --stuck-after " + stuckAfterSeconds + "\n"
        + "echo hmmfuzz-guest: executor ended with $?\n"
        + "echo o > /proc/sysrq-trigger\n"
        + "sleep 10\n";
  }

  /**
   * The guest's writable 9p share, mounted at the same path in the guest: where the host puts what the
   * guest runs besides the executor (a standalone C reproducer's static binary).
   */
  public Path share() {
    return work.resolve("share");
  }

  public ExecutorLink link() {
    return link;
  }

  public double bootSeconds() {
    return bootSeconds;
  }

  /** Whether the guest was ended because a request got no answer for the hang timeout. */
  public boolean hung() {
    return hung;
  }

  public boolean alive() {
    return qemu.process().isAlive();
  }

  /**
   * Whether QEMU ended of a signal that hmmfuzz did not send (someone killed it, or it crashed): then
   * the guest's death is the infrastructure's, not the kernel's. A guest that panicked or powered off
   * ends QEMU normally (-no-reboot); one that hmmfuzz ended as hung is not counted here.
   */
  public boolean killedFromOutside() {
    if (qemu.process().isAlive() || hung || closing) {
      return false;
    }
    int exit = qemu.process().exitValue();
    return exit > 128;
  }

  /**
   * Waits until the console has been quiet for a second (at most 10 s): a report that killed the
   * executor reaches the serial console after the executor's channel has closed.
   */
  public void settleConsole() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long seen = -1;
    while (System.nanoTime() < deadline) {
      long now = qemu.lines().get();
      if (now == seen) {
        return;
      }
      seen = now;
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The executor's last STUCK line on the console (its state, system call and wait channel), or "". */
  private static String stuckLine(GuestVm.Qemu qemu) {
    synchronized (qemu.tail()) {
      for (int i = qemu.tail().size() - 1; i >= 0; i--) {
        String l = qemu.tail().get(i);
        int at = l.indexOf("STUCK");
        if (at >= 0) {
          return "; the executor said: " + l.substring(at);
        }
      }
    }
    return "";
  }

  /** Kernel reports on the console so far. */
  public List<KernelReport> consoleReports() {
    return qemu.watch().reports();
  }

  /** The last lines of the console. */
  public List<String> consoleTail() {
    synchronized (qemu.tail()) {
      return List.copyOf(qemu.tail());
    }
  }

  /** Ends the guest and removes its work directory. */
  @Override
  public void close() {
    closing = true;
    link.close();
    qemu.process().destroyForcibly();
    try {
      qemu.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.interrupt();
    try {
      Runtime.getRuntime().removeShutdownHook(qemu.reaper());
    } catch (IllegalStateException e) {
      // shutting down: the hook does the same
    }
    ScratchFilesystem.deleteTree(work);
  }
}
