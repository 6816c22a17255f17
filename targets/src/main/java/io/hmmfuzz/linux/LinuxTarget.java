package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel this JVM runs on, with a scratch filesystem of the chosen kind. Capabilities are probed
 * on that filesystem by trying the calls (fsx's "probe, then disable"), not guessed.
 */
public final class LinuxTarget implements Target {
  private final ScratchFilesystem scratch;
  private final Capabilities caps;
  private final AtomicInteger sessions = new AtomicInteger();
  private final KernelLog log;
  /**
   * Set (to 1) where the kernel is the tool's own, a VM guest: kernel-wide state such as debugfs's
   * clear_warn_once may be changed. The guest's init script sets it; a host kernel is left alone.
   */
  public static final String OWN_KERNEL_ENV = "HMMFUZZ_OWN_KERNEL";

  /** Whether each program starts with the kernel's WARN_ON_ONCE re-armed (only on a kernel of our own). */
  private final boolean rearmWarnOnce;

  private LinuxTarget(ScratchFilesystem scratch, Capabilities caps) {
    this.scratch = scratch;
    this.caps = caps;
    this.log = KernelLog.open();
    this.rearmWarnOnce = log != null && "1".equals(System.getenv(OWN_KERNEL_ENV))
        && Files.isWritable(LinuxAbi.CLEAR_WARN_ONCE);
  }

  /** Makes the scratch filesystem and probes it; TargetUnavailableException names what is missing. */
  public static LinuxTarget create(FsKind kind) {
    ScratchFilesystem fs = ScratchFilesystem.create(kind);
    try {
      return new LinuxTarget(fs, probe(fs));
    } catch (RuntimeException e) {
      fs.close();
      throw e;
    }
  }

  /** Whether reports the kernel logs (WARNING, BUG, ...) are read and become findings: /dev/kmsg is readable. */
  public boolean kernelLogWatched() {
    return log != null;
  }

  /** Whether this kernel offers the test_hmm device mirror. */
  public static boolean testHmmPresent() {
    return TestHmm.present();
  }

  /** Whether the tool runs as root (geteuid). */
  public static boolean root() {
    return LinuxKernel.root();
  }

  /** The device mirror's path, for messages. */
  public static String testHmmDevice() {
    return HmmUapi.DEVICE;
  }

  public static KernelVersion runningKernel() {
    try {
      return KernelVersion.parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
    } catch (IOException e) {
      throw new InfrastructureException("cannot read /proc/sys/kernel/osrelease", e);
    }
  }

  private static Capabilities probe(ScratchFilesystem fs) {
    Mounts m = Mounts.of(fs.root());
    if (fs.kind() == FsKind.TMPFS) {
      String huge = m.option("huge");
      if (huge != null && !huge.equals("never") && !huge.equals("deny")) {
        throw new TargetUnavailableException("tmpfs at " + m.mountPoint() + " uses huge pages (huge=" + huge
            + "): beyond-EOF faults inside a huge page are unspecified (U3); remount it with huge=never");
      }
    }
    Path dir = fs.root().resolve("probe");
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new InfrastructureException("cannot create " + dir, e);
    }
    LinuxKernel k = new LinuxKernel(dir);
    int page = LinuxKernel.pageSize();
    try {
      int a = fd(k.createFile("a"));
      int b = fd(k.createFile("b"));
      byte[] data = new byte[page];
      k.pwrite(a, data, page, 0);
      k.pwrite(b, data, page, 0);
      boolean reflink = !k.cloneFile(b, a).failed();
      SysResult map = k.mmap(page, Prot.READ_WRITE, Sharing.SHARED, true, a, 0);
      boolean mapSync = !map.failed();
      if (mapSync) {
        k.munmap(map.value(), page);
      }
      boolean zeroRange = !k.fallocate(a, FallocMode.ZERO_RANGE_KEEP_SIZE, 0, page).failed();
      k.close(a);
      k.close(b);
      String daxOption = m.option("dax");
      boolean dax = mapSync || (m.hasOption("dax") && (daxOption == null || daxOption.equals("always")));
      return new Capabilities(runningKernel(), fs.kind(), page, LinuxKernel.blockSize(fs.root()), reflink, mapSync,
          dax, zeroRange, LinuxKernel.root(), TestHmm.present());
    } finally {
      ScratchFilesystem.deleteTree(dir);
    }
  }

  private static int fd(SysResult r) {
    if (r.failed()) {
      throw new InfrastructureException("probe: cannot create a file on the scratch filesystem: " + r.errno());
    }
    return (int) r.value();
  }

  @Override
  public Capabilities capabilities() {
    return caps;
  }

  @Override
  public String describe() {
    return "linux " + caps.kernel() + ", " + scratch.describe()
        + (log == null ? ", kernel log not readable (reports of WARNING/BUG are not checked; run as root)" : "")
        + (rearmWarnOnce ? ", WARN_ON_ONCE re-armed per program" : "");
  }

  @Override
  public boolean rearmsOneShotReports() {
    return rearmWarnOnce;
  }

  @Override
  public List<KernelReport> kernelReports() {
    return log == null ? List.of() : log.reports();
  }

  /**
   * A fresh directory per program. On a kernel of our own, the kernel's one-shot warnings are re-armed
   * first, so a WARN_ON_ONCE that a program hit fires again when it, or a shrink candidate, runs again
   * in the same boot.
   */
  @Override
  public Session openSession() {
    if (rearmWarnOnce) {
      try {
        Files.writeString(LinuxAbi.CLEAR_WARN_ONCE, "1\n");
      } catch (IOException e) {
        throw new InfrastructureException("cannot write " + LinuxAbi.CLEAR_WARN_ONCE, e);
      }
    }
    Path dir = scratch.root().resolve("p" + sessions.getAndIncrement());
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new InfrastructureException("cannot create session directory " + dir, e);
    }
    LinuxKernel kernel = new LinuxKernel(dir);
    return new Session() {
      @Override
      public Kernel kernel() {
        return kernel;
      }

      @Override
      public void close() {
        kernel.close();
        ScratchFilesystem.deleteTree(dir);
      }
    };
  }

  @Override
  public void close() {
    if (log != null) {
      log.close();
    }
    scratch.close();
  }
}
