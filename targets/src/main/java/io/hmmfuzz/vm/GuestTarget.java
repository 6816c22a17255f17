package io.hmmfuzz.vm;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.linux.CapabilityProbe;
import io.hmmfuzz.linux.ConsoleWatch;
import io.hmmfuzz.linux.ExecutorKernel;
import io.hmmfuzz.linux.ExecutorLink;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scratch filesystem in a guest that runs the C executor ({@link ExecutorGuest}): the engine runs
 * here, each system call there. The scratch filesystem is made by the guest's own tools with the same
 * mkfs and mount commands as on the local kernel; capabilities come from the same independent evidence
 * ({@link CapabilityProbe}), asked of the guest. Every program starts with the guest kernel's
 * WARN_ON_ONCE re-armed (the kernel is ours), and the kernel log is read after every op in the guest.
 */
public final class GuestTarget implements KernelTarget {
  /** Where the guest's scratch filesystems go: its /run is a tmpfs of its own. */
  static final String BASE = GuestVm.GUEST_SCRATCH + "/hmmfuzz";

  private final ExecutorGuest guest;
  private final ExecutorLink link;
  private final FsKind kind;
  private final Path root;
  private final boolean mounted;
  private final Capabilities caps;
  private final List<String> evidence;
  private final boolean rearm;
  private final ConsoleWatch log = new ConsoleWatch();
  private final AtomicInteger sessions = new AtomicInteger();
  /** How many kernel reports the guest's console had when the current program started. */
  private volatile int reportsAtProgramStart;

  private GuestTarget(ExecutorGuest guest, FsKind kind, Path root, boolean mounted, Capabilities caps,
      List<String> evidence, boolean rearm) {
    this.guest = guest;
    this.link = guest.link();
    this.kind = kind;
    this.root = root;
    this.mounted = mounted;
    this.caps = caps;
    this.evidence = List.copyOf(evidence);
    this.rearm = rearm;
  }

  /** Makes a {@code kind} scratch filesystem in {@code guest} and probes it. */
  public static GuestTarget create(ExecutorGuest guest, FsKind kind) {
    ExecutorLink link = guest.link();
    String base = BASE + "-" + kind.id();
    Path root;
    boolean mounted = kind != FsKind.TMPFS;
    if (kind == FsKind.TMPFS) {
      root = Path.of("/dev/shm/hmmfuzz");
      tool(link, List.of("mkdir", "-p", root.toString()), kind);
    } else {
      if (!kind.dax() && !fsInKernel(link, kind)) {
        // The kernel the tool builds (hmmfuzz.config) has XFS, ext4 and btrfs; a kernel built before btrfs was
        // in the fragment, or a user's, may lack one.
        throw new TargetUnavailableException("the guest kernel has no " + kind.type() + " (not in /proc/filesystems):"
            + " boot one built with CONFIG_" + kind.type().toUpperCase(java.util.Locale.ROOT) + "_FS=y (hmmfuzz kernel"
            + " build builds xfs, ext4 and btrfs in; --base-config FILE starts from a config of yours)");
      }
      String mnt = base + "/mnt";
      String image = kind.dax() ? ScratchFilesystem.PMEM.toString() : base + "/scratch.img";
      tool(link, List.of("mkdir", "-p", mnt), kind);
      if (!kind.dax()) {
        tool(link, List.of("truncate", "-s", Long.toString(ScratchFilesystem.imageBytes()), image), kind);
      }
      List<String> mkfs = new ArrayList<>(ScratchFilesystem.mkfs(kind));
      mkfs.add(image);
      tool(link, mkfs, kind);
      tool(link, ScratchFilesystem.mount(kind, image, mnt), kind);
      root = Path.of(mnt);
    }
    List<String> evidence = new ArrayList<>();
    evidence.add(swap(link));
    Capabilities caps = CapabilityProbe.probe(kind, root, new GuestMachine(link, guest.kernelConfig()), evidence);
    boolean rearm = link.rearmWarnOnce();
    link.kernelLog(); // what the kernel logged while booting and making the filesystem is no program's
    return new GuestTarget(guest, kind, root, mounted, caps, evidence, rearm);
  }

  /** The guest's swap: room for the pages programs page out, far from a memory hog. */
  static final long SWAP_BYTES = 64L << 20;

  /**
   * Gives the guest swap, once per boot, so that MADV_PAGEOUT really writes anonymous pages out (R66)
   * and test_hmm meets swap entries (a migration skips them, a device fault swaps them in): a loop
   * device over a file on the guest's own tmpfs, as a swap file needs a filesystem with bmap, which tmpfs
   * is not. Only ever in a guest: the host's swap is not the tool's to change. Returns its evidence line.
   */
  static String swap(ExecutorLink link) {
    String swaps = link.readText("/proc/swaps");
    if (swaps == null) {
      return "swap: none (the guest kernel has no CONFIG_SWAP: no /proc/swaps); MADV_PAGEOUT keeps anonymous pages";
    }
    List<String> areas = swaps.lines().skip(1).filter(l -> !l.isBlank()).toList();
    if (!areas.isEmpty()) {
      return "swap: " + areas.get(0).split("\\s+")[0] + " (made earlier in this boot)";
    }
    String image = GuestVm.GUEST_SCRATCH + "/swap.img";
    tool(link, List.of("truncate", "-s", Long.toString(SWAP_BYTES), image), "giving the guest swap");
    ExecutorLink.ToolRun loop = link.run(List.of("losetup", "--find", "--show", image));
    if (loop.exit() != 0) {
      throw new InfrastructureException("giving the guest swap: losetup --find --show " + image + " exited "
          + loop.exit() + ": " + loop.output().strip());
    }
    String device = loop.output().strip();
    tool(link, List.of("mkswap", device), "giving the guest swap");
    tool(link, List.of("swapon", device), "giving the guest swap");
    return "swap: " + (SWAP_BYTES >> 20) + " MiB on " + device + " (a loop device over a file on the guest's tmpfs),"
        + " so MADV_PAGEOUT writes anonymous pages out (R66)";
  }

  private static boolean fsInKernel(ExecutorLink link, FsKind kind) {
    String fs = kind.type();
    String known = link.readText("/proc/filesystems");
    return known != null && known.lines().anyMatch(l -> l.trim().endsWith("\t" + fs) || l.trim().equals(fs));
  }

  private static void tool(ExecutorLink link, List<String> argv, FsKind kind) {
    tool(link, argv, kind == null ? "probing" : "making the " + kind.id() + " scratch filesystem");
  }

  private static void tool(ExecutorLink link, List<String> argv, String doing) {
    ExecutorLink.ToolRun r = link.run(argv);
    if (r.exit() != 0) {
      throw new InfrastructureException(doing + " in the guest: "
          + String.join(" ", argv) + " exited " + r.exit() + ": " + r.output().strip());
    }
  }

  /** The guest as the capability probe asks of it. */
  private record GuestMachine(ExecutorLink link, String kernelConfig) implements CapabilityProbe.Machine {
    @Override
    public String mountTable() {
      String t = link.readText("/proc/self/mounts");
      if (t == null) {
        throw new InfrastructureException("the guest cannot read /proc/self/mounts");
      }
      return t;
    }

    @Override
    public String realPath(Path dir) {
      return dir.toString(); // the guest's scratch paths have no symbolic links
    }

    @Override
    public Boolean daxOfNewFile(Path dir) {
      String file = dir.resolve("probe-dax").toString();
      tool(link, List.of("touch", file), "probing");
      try {
        return link.statxDax(file);
      } finally {
        link.run(List.of("rm", "-f", file));
      }
    }

    @Override
    public String xfsInfo(Path mnt) throws IOException {
      ExecutorLink.ToolRun r = link.run(List.of("xfs_info", mnt.toString()));
      if (r.exit() != 0) {
        throw new IOException("exit " + r.exit() + ": " + r.output().strip());
      }
      return r.output();
    }

    @Override
    public int pageSize() {
      return link.pageSize();
    }

    @Override
    public int blockSize(Path dir) {
      return link.blockSize(dir.toString());
    }

    @Override
    public KernelVersion kernel() {
      String release = link.readText("/proc/sys/kernel/osrelease");
      if (release == null) {
        throw new InfrastructureException("the guest cannot read /proc/sys/kernel/osrelease");
      }
      return KernelVersion.parse(release.trim());
    }

    @Override
    public boolean root() {
      return true; // the executor is init's child
    }

    @Override
    public boolean testHmm() {
      // Both mirrors programs use (R91: test_hmm creates them together).
      return link.run(List.of("test", "-c", "/dev/hmm_dmirror0", "-a", "-c", "/dev/hmm_dmirror1")).exit() == 0;
    }

    @Override
    public String testHmmParameter(String name) {
      return link.readText(io.hmmfuzz.linux.HmmUapi.PARAMETERS + name);
    }
  }

  @Override
  public boolean kernelLogWatched() {
    return true;
  }

  @Override
  public void logToKernel(String line) {
    link.writeKernelLog(line);
  }

  @Override
  public List<String> evidence() {
    return evidence;
  }

  /** The guest's directory of this scratch filesystem (its mount point, or /dev/shm's directory for tmpfs). */
  public Path root() {
    return root;
  }

  public ExecutorGuest guest() {
    return guest;
  }

  @Override
  public Capabilities capabilities() {
    return caps;
  }

  /**
   * The kernel reports on the guest's console since the current (or last) program started: what
   * stopped it, if the guest died or stopped answering during it.
   */
  public List<KernelReport> reportsSinceProgramStart() {
    List<KernelReport> all = guest.consoleReports();
    return all.subList(Math.min(reportsAtProgramStart, all.size()), all.size());
  }

  /**
   * A program's session. A whole program opens and ends its session in its one request (the
   * directory, the WARN_ON_ONCE re-arm, the kernel log before and after); a program run call by call
   * opens it on first use of {@link Session#kernel()}.
   */
  @Override
  public Session openSession() {
    return openSession(Mirror.FRESH);
  }

  /** As {@link #openSession()}; a whole program goes on with the device mirror the one before left if KEPT. */
  @Override
  public Session openSession(Mirror mirror) {
    reportsAtProgramStart = guest.consoleReports().size();
    Path dir = root.resolve("p" + sessions.getAndIncrement());
    return new Session() {
      private ExecutorKernel kernel;

      @Override
      public Kernel kernel() {
        if (kernel == null) {
          if (rearm) {
            link.rearmWarnOnce();
          }
          kernel = link.session(dir);
        }
        return kernel;
      }

      /** The guest's executor runs whole programs and reads the kernel log after each op. */
      @Override
      public ProgramRun runWhole(List<Op> ops, int viewEvery, boolean deviceViews) {
        if (kernel != null) {
          throw new IllegalStateException("the session already runs its program call by call");
        }
        return link.program(ops, viewEvery, deviceViews, dir, rearm, mirror, GuestTarget.this::reportsIn, false);
      }

      @Override
      public void close() {
        if (kernel != null) {
          kernel.close();
        }
      }
    };
  }

  /** The reports in a stretch of the kernel log the executor read. */
  private List<KernelReport> reportsIn(List<String> lines) {
    lines.forEach(log::accept);
    return log.drain();
  }

  @Override
  public List<KernelReport> kernelReports() {
    for (String line : link.kernelLog()) {
      log.accept(line);
    }
    return log.drain();
  }

  @Override
  public boolean rearmsOneShotReports() {
    return rearm;
  }

  /** The guest runs the C executor, which forks (R110). */
  @Override
  public boolean forks() {
    return true;
  }

  /**
   * The guest's kernel is the tool's own, booted for the campaign and thrown away after it: programs may
   * change it as a whole (drop-caches, R120), as the re-arming of its WARN_ON_ONCE does.
   */
  @Override
  public boolean ownsKernel() {
    return true;
  }

  @Override
  public String describe() {
    return "guest linux " + caps.kernel() + " (C executor, booted in " + String.format("%.1f s", guest.bootSeconds())
        + "), " + kind.id() + (mounted ? " at " + root : " at " + root + " (tmpfs)")
        + (rearm ? ", WARN_ON_ONCE re-armed per program" : "");
  }

  /** Unmounts the scratch filesystem (the guest stays for the caller to close). */
  @Override
  public void close() {
    if (!guest.alive()) {
      return;
    }
    try {
      if (mounted) {
        link.run(List.of("umount", root.toString()));
      } else {
        link.run(List.of("rm", "-rf", root.toString()));
      }
    } catch (InfrastructureException e) {
      // the guest died meanwhile: nothing left to tear down
    }
  }
}
