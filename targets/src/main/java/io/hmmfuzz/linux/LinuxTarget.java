package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.op.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel this JVM runs on, with a scratch filesystem of the chosen kind. Capabilities come from
 * evidence independent of the calls they decide (statx, the mount, the filesystem's features); the
 * calls themselves are then tried by probe programs against the model, so that a kernel which, say,
 * accepts MAP_SYNC off DAX has a finding instead of a new capability.
 */
public final class LinuxTarget implements KernelTarget {
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

  private final List<String> evidence;

  private final ExecutorKind executorKind;
  /** The C executor of this target's sessions (started with the first one), or null. */
  private ExecutorLink executor;

  private LinuxTarget(ScratchFilesystem scratch, Capabilities caps, List<String> evidence, ExecutorKind executorKind) {
    this.scratch = scratch;
    this.caps = caps;
    this.executorKind = executorKind;
    this.evidence = List.copyOf(evidence);
    this.log = KernelLog.open();
    this.rearmWarnOnce = log != null && "1".equals(System.getenv(OWN_KERNEL_ENV))
        && Files.isWritable(LinuxAbi.CLEAR_WARN_ONCE);
  }

  /** Makes the scratch filesystem and probes it; TargetUnavailableException names what is missing. */
  public static LinuxTarget create(FsKind kind) {
    return create(kind, ExecutorKind.JNA);
  }

  /** As {@link #create(FsKind)}, programs run by {@code executor}. */
  public static LinuxTarget create(FsKind kind, ExecutorKind executor) {
    if (executor == ExecutorKind.C) {
      ExecutorBuild.binary(); // built (or found) before anything is mounted; a missing gcc is a skip
    }
    ScratchFilesystem fs = ScratchFilesystem.create(kind);
    try {
      List<String> evidence = new java.util.ArrayList<>();
      Capabilities caps = CapabilityProbe.probe(fs.kind(), fs.root(), new LocalMachine(), evidence);
      return new LinuxTarget(fs, caps, evidence, executor);
    } catch (RuntimeException e) {
      fs.close();
      throw e;
    }
  }

  /** Whether reports the kernel logs (WARNING, BUG, ...) are read and become findings: /dev/kmsg is readable. */
  @Override
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

  /** The device mirrors' paths, for messages. */
  public static String testHmmDevice() {
    return HmmUapi.device(0) + " and " + HmmUapi.device(1);
  }

  public static KernelVersion runningKernel() {
    try {
      return KernelVersion.parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
    } catch (IOException e) {
      throw new InfrastructureException("cannot read /proc/sys/kernel/osrelease", e);
    }
  }

  /**
   * A fresh directory on this target's scratch filesystem, for a program other than ours to run on the
   * same filesystem (a benchmark's fsx); it goes with the scratch filesystem.
   */
  public Path scratchDirectory(String name) {
    Path dir = scratch.root().resolve(name);
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new InfrastructureException("cannot create " + dir, e);
    }
    return dir;
  }

  @Override
  public void logToKernel(String line) {
    try {
      Files.writeString(Path.of(LinuxAbi.KMSG), line + "\n");
    } catch (IOException e) {
      throw new InfrastructureException("cannot write to " + LinuxAbi.KMSG, e);
    }
  }

  @Override
  public List<String> evidence() {
    return evidence;
  }

  /** The machine this JVM runs on, as the capability probe asks of it. */
  private static final class LocalMachine implements CapabilityProbe.Machine {
    @Override
    public String mountTable() {
      try {
        return Files.readString(Path.of("/proc/self/mounts"));
      } catch (IOException e) {
        throw new InfrastructureException("cannot read /proc/self/mounts", e);
      }
    }

    @Override
    public String realPath(Path dir) {
      try {
        return dir.toRealPath().toString();
      } catch (IOException e) {
        throw new InfrastructureException("cannot resolve " + dir, e);
      }
    }

    @Override
    public Boolean daxOfNewFile(Path dir) {
      Path file = dir.resolve("probe-dax");
      try {
        Files.createFile(file);
        try {
          return LinuxKernel.statxDax(file);
        } finally {
          Files.delete(file);
        }
      } catch (IOException e) {
        throw new InfrastructureException("probe: cannot create a file on the scratch filesystem: " + e, e);
      }
    }

    @Override
    public String xfsInfo(Path mnt) throws IOException {
      return Commands.run(List.of("xfs_info", mnt.toString()));
    }

    @Override
    public int pageSize() {
      return LinuxKernel.pageSize();
    }

    @Override
    public int blockSize(Path dir) {
      return LinuxKernel.blockSize(dir);
    }

    @Override
    public KernelVersion kernel() {
      return runningKernel();
    }

    @Override
    public boolean root() {
      return LinuxKernel.root();
    }

    @Override
    public boolean testHmm() {
      return TestHmm.present();
    }

    @Override
    public String testHmmParameter(String name) {
      try {
        return java.nio.file.Files.readString(java.nio.file.Path.of(HmmUapi.PARAMETERS + name));
      } catch (java.io.IOException e) {
        return null;
      }
    }

    /** /proc/config.gz (CONFIG_IKCONFIG_PROC), else /boot/config-RELEASE, else null. */
    @Override
    public String kernelConfig() {
      try {
        java.nio.file.Path gz = java.nio.file.Path.of("/proc/config.gz");
        if (java.nio.file.Files.isReadable(gz)) {
          try (java.io.InputStream in = new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          }
        }
        java.nio.file.Path boot = java.nio.file.Path.of("/boot/config-" + runningKernel().release());
        return java.nio.file.Files.isReadable(boot) ? java.nio.file.Files.readString(boot) : null;
      } catch (java.io.IOException e) {
        return null;
      }
    }
  }

  @Override
  public Capabilities capabilities() {
    return caps;
  }

  @Override
  public String describe() {
    return "linux " + caps.kernel() + ", " + scratch.describe() + ", " + executorKind.id() + " executor"
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

  /** Only the C executor can fork a child that runs an op's accesses (R110); a JVM cannot run Java in one. */
  @Override
  public boolean forks() {
    return executorKind == ExecutorKind.C;
  }

  /** With the C executor, programs are queued: the executor runs the next while the host checks one. */
  @Override
  public boolean queuesPrograms() {
    return executorKind == ExecutorKind.C;
  }

  /**
   * A fresh directory per program. On a kernel of our own, the kernel's one-shot warnings are re-armed
   * first, so a WARN_ON_ONCE that a program hit fires again when it, or a shrink candidate, runs again
   * in the same boot. A whole program on the C executor makes its directory, re-arms and removes the
   * directory in its one request (so that it can be queued); a program run call by call opens the
   * session on first use of {@link Session#kernel()}.
   */
  @Override
  public Session openSession() {
    Path dir = scratch.root().resolve("p" + sessions.getAndIncrement());
    if (executorKind == ExecutorKind.C && executor == null) {
      executor = ExecutorLink.start();
    }
    return new Session() {
      private AutoCloseable opened;
      private ProgramRun whole;

      @Override
      public Kernel kernel() {
        if (whole != null) {
          throw new IllegalStateException("the session runs its program whole");
        }
        if (opened == null) {
          rearm();
          try {
            Files.createDirectory(dir);
          } catch (IOException e) {
            throw new InfrastructureException("cannot create session directory " + dir, e);
          }
          opened = executorKind == ExecutorKind.C ? new ExecutorKernel(executor, dir) : new LinuxKernel(dir);
        }
        return (Kernel) opened;
      }

      /**
       * The C executor runs whole programs; it reads the kernel log after each op for the op's reports
       * (this target's own reader sees the same records later, when they no longer count).
       */
      @Override
      public ProgramRun runWhole(List<Op> ops, int viewEvery, boolean deviceViews) {
        if (executorKind != ExecutorKind.C) {
          return null;
        }
        if (opened != null) {
          throw new IllegalStateException("the session already runs its program call by call");
        }
        // The host has no test_hmm: no mirror to keep.
        whole = executor.program(ops, viewEvery, deviceViews, dir, rearmWarnOnce, Target.Mirror.FRESH,
            log == null ? null : ConsoleWatch::reportsIn, true);
        return whole;
      }

      @Override
      public void close() {
        if (opened == null) {
          return;
        }
        try {
          opened.close();
        } catch (Exception e) {
          throw e instanceof RuntimeException r ? r : new InfrastructureException("cannot end the session", e);
        } finally {
          ScratchFilesystem.deleteTree(dir);
        }
      }
    };
  }

  private void rearm() {
    if (rearmWarnOnce) {
      try {
        Files.writeString(LinuxAbi.CLEAR_WARN_ONCE, "1\n");
      } catch (IOException e) {
        throw new InfrastructureException("cannot write " + LinuxAbi.CLEAR_WARN_ONCE, e);
      }
    }
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.close();
      executor = null;
    }
    if (log != null) {
      log.close();
    }
    scratch.close();
  }
}
