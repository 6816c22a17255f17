package io.hmmfuzz.linux;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scratch filesystem the tool made itself and tears down itself. tmpfs: a fresh directory under
 * /dev/shm (no root needed). xfs (reflink=1), btrfs and ext4: a sparse image file in a fresh
 * directory under /var/tmp, formatted and loop-mounted (root needed). Nothing outside these
 * directories is ever created, changed or deleted.
 */
public final class ScratchFilesystem implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScratchFilesystem.class);
  static final long IMAGE_BYTES = 512L << 20;

  private final FsKind kind;
  private final Path base;
  private final Path root;
  private final Path image;
  private final boolean mounted;
  private final Thread cleanup;
  private boolean closed;

  private ScratchFilesystem(FsKind kind, Path base, Path root, Path image, boolean mounted) {
    this.kind = kind;
    this.base = base;
    this.root = root;
    this.image = image;
    this.mounted = mounted;
    this.cleanup = new Thread(this::teardown, "hmmfuzz-scratch-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  public FsKind kind() {
    return kind;
  }

  /** The directory programs get their session directories in. */
  public Path root() {
    return root;
  }

  public String describe() {
    return !mounted ? kind.id() + " at " + root : kind.dax() ? kind.id() + " on " + image + " (-o dax)"
        : kind.id() + " on loop image " + image;
  }

  public static ScratchFilesystem create(FsKind kind) {
    reclaimDeadRuns();
    ScratchFilesystem fs = kind == FsKind.TMPFS ? tmpfs() : loopImage(kind);
    try {
      Files.writeString(fs.base.resolve(OWNER), Owner.current().text());
    } catch (IOException e) {
      fs.close();
      throw new InfrastructureException("cannot write " + fs.base.resolve(OWNER), e);
    }
    return fs;
  }

  /**
   * The file in each scratch directory that names the process it belongs to, so that a later run can
   * remove the scratch directories of runs that were killed (kill -9 runs no shutdown hook) and never
   * those of a live one.
   */
  static final String OWNER = ".hmmfuzz-owner";

  /** A process, by pid and start time (a pid alone may have been reused). */
  record Owner(long pid, long startMillis) {
    static Owner current() {
      ProcessHandle self = ProcessHandle.current();
      return new Owner(self.pid(), self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L));
    }

    String text() {
      return pid + " " + startMillis + "\n";
    }

    static Owner parse(String text) {
      String[] f = text.trim().split("\\s+");
      if (f.length != 2) {
        return null;
      }
      try {
        return new Owner(Long.parseLong(f[0]), Long.parseLong(f[1]));
      } catch (NumberFormatException e) {
        return null;
      }
    }

    boolean alive() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .map(p -> p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(startMillis) == startMillis)
          .orElse(false);
    }
  }

  /**
   * Removes the scratch directories of dead runs of this tool: those under /dev/shm and the scratch base
   * whose owner file names a process that no longer runs. A loop-mounted one is unmounted first; one
   * that will not unmount is left, and so is every directory without an owner file of ours.
   */
  static void reclaimDeadRuns() {
    for (Path dir : List.of(Path.of("/dev/shm"), scratchBase())) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (var s = Files.newDirectoryStream(dir, "hmmfuzz-*")) {
        for (Path base : s) {
          Path ownerFile = base.resolve(OWNER);
          if (!Files.isRegularFile(ownerFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          Owner owner = Owner.parse(Files.readString(ownerFile));
          if (owner == null || owner.alive()) {
            continue;
          }
          Path mnt = base.resolve("mnt");
          if (Files.isDirectory(mnt) && mounted(mnt)) {
            try {
              Commands.run(List.of("umount", mnt.toString()));
            } catch (IOException e) {
              LOG.warn("scratch {} of dead run {} will not unmount ({}); left", base, owner.pid(), e.getMessage());
              continue;
            }
          }
          LOG.info("removing scratch {} of dead run {}", base, owner.pid());
          deleteTree(base);
        }
      } catch (IOException e) {
        LOG.warn("cannot look for dead runs' scratch in {}: {}", dir, e.getMessage());
      }
    }
  }

  private static boolean mounted(Path dir) {
    try {
      return Mounts.of(dir).mountPoint().equals(dir.toRealPath().toString());
    } catch (IOException | InfrastructureException e) {
      return false;
    }
  }

  /**
   * A fresh scratch directory of ours for work files ({@code hmmfuzz-PREFIX-*} under the scratch base),
   * with an owner file, so that a run killed before it deletes it leaves it to the next run to remove.
   */
  public static Path workDirectory(String prefix) {
    reclaimDeadRuns(); // a VM command makes no scratch filesystem here: dead runs are reclaimed now
    try {
      Path dir = Files.createTempDirectory(scratchBase(), "hmmfuzz-" + prefix + "-");
      Files.writeString(dir.resolve(OWNER), Owner.current().text());
      return dir;
    } catch (IOException e) {
      throw new InfrastructureException("cannot create a scratch directory in " + scratchBase(), e);
    }
  }

  /** Where image files and mount points go: $HMMFUZZ_SCRATCH, else /var/tmp (the VM guest sets /tmp). */
  static Path scratchBase() {
    String env = System.getenv("HMMFUZZ_SCRATCH");
    return Path.of(env != null && !env.isEmpty() ? env : "/var/tmp");
  }

  /** The pmem device the -dax kinds are made on. */
  public static final Path PMEM = Path.of("/dev/pmem0");

  private static ScratchFilesystem tmpfs() {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm) || !Files.isWritable(shm) || !"tmpfs".equals(Mounts.of(shm).type())) {
      throw new TargetUnavailableException("tmpfs scratch needs a writable tmpfs at /dev/shm;"
          + " mount one (mount -t tmpfs tmpfs /dev/shm) or use --fs xfs|btrfs|ext4 as root");
    }
    try {
      Path dir = Files.createTempDirectory(shm, "hmmfuzz-");
      return new ScratchFilesystem(FsKind.TMPFS, dir, dir, null, false);
    } catch (IOException e) {
      throw new InfrastructureException("cannot create a scratch directory in /dev/shm", e);
    }
  }

  private static ScratchFilesystem loopImage(FsKind kind) {
    if (!LinuxKernel.root()) {
      throw new TargetUnavailableException(kind.id() + " scratch needs root to loop-mount an image:"
          + " run as root (sudo ./hmmfuzz ...) or use --fs tmpfs");
    }
    List<String> mkfs = mkfs(kind);
    String pkg = switch (kind) {
      case XFS, XFS_DAX, XFS_1K -> "xfsprogs";
      case BTRFS -> "btrfs-progs";
      default -> "e2fsprogs";
    };
    if (kind.dax() && !Files.exists(PMEM)) {
      throw new TargetUnavailableException(kind.id() + " needs a pmem device (" + PMEM + " is missing): use"
          + " --target vm, whose guest boots with memmap=1G!1G");
    }
    if (Commands.find(mkfs.get(0)) == null) {
      throw new TargetUnavailableException(mkfs.get(0) + " not found: apt-get install " + pkg);
    }
    String fsType = kind.type();
    if (!kernelHas(fsType)) {
      throw new TargetUnavailableException("this kernel has no " + fsType + " (not in /proc/filesystems)");
    }
    Path base;
    try {
      base = Files.createTempDirectory(scratchBase(), "hmmfuzz-" + kind.id() + "-");
    } catch (IOException e) {
      throw new InfrastructureException("cannot create a scratch directory in " + scratchBase(), e);
    }
    Path image = kind.dax() ? PMEM : base.resolve("scratch.img");
    Path mnt = base.resolve("mnt");
    try {
      if (!kind.dax()) {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
          f.setLength(IMAGE_BYTES);
        }
      }
      Files.createDirectory(mnt);
      List<String> cmd = new ArrayList<>(mkfs);
      cmd.add(image.toString());
      Commands.run(cmd);
      Commands.run(mount(kind, image.toString(), mnt.toString()));
    } catch (IOException | RuntimeException e) {
      if (!kind.dax()) {
        deleteQuietly(image);
      }
      deleteQuietly(mnt);
      deleteQuietly(base);
      if (e instanceof TargetUnavailableException t) {
        throw t;
      }
      throw new InfrastructureException("cannot make a " + kind.id() + " scratch filesystem: " + e.getMessage(), e);
    }
    return new ScratchFilesystem(kind, base, mnt, image, true);
  }

  /** The mkfs command of a kind (the device or image to follow), the same here and in a guest. */
  public static List<String> mkfs(FsKind kind) {
    return switch (kind) {
      case XFS, XFS_DAX, XFS_1K -> List.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1", "-b",
          "size=" + kind.madeWithBlockSize());
      case BTRFS -> List.of("mkfs.btrfs", "-q", "-f");
      case EXT4, EXT4_DAX, EXT4_1K -> List.of("mkfs.ext4", "-q", "-F", "-b", Integer.toString(kind.madeWithBlockSize()));
      case TMPFS -> throw new IllegalArgumentException("tmpfs is not made with mkfs");
    };
  }

  /** The mount command of a kind: -o dax on pmem, a loop mount of an image otherwise. */
  public static List<String> mount(FsKind kind, String image, String mnt) {
    return kind.dax() ? List.of("mount", "-o", "dax", image, mnt) : List.of("mount", "-o", "loop", image, mnt);
  }

  /** The size of a scratch image file (sparse). */
  public static long imageBytes() {
    return IMAGE_BYTES;
  }

  private static boolean kernelHas(String fs) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/filesystems"))) {
        String[] f = l.trim().split("\\s+");
        if (f[f.length - 1].equals(fs)) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    // Module not loaded yet: mount will load it if it exists.
    return Files.isDirectory(Path.of("/lib/modules"));
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    if (mounted) {
      try {
        Commands.run(List.of("umount", root.toString()));
      } catch (IOException e) {
        LOG.warn("umount {} failed ({}); detaching lazily", root, e.getMessage());
        try {
          Commands.run(List.of("umount", "-l", root.toString()));
        } catch (IOException e2) {
          LOG.error("cannot unmount {}: {}; image left at {}", root, e2.getMessage(), image);
          return;
        }
      }
      if (!kind.dax()) {
        deleteQuietly(image);
      }
      deleteQuietly(root);
    } else {
      deleteTree(root);
    }
    deleteQuietly(base.resolve(OWNER));
    deleteQuietly(base);
  }

  /** Deletes a directory of ours and everything in it. */
  public static void deleteTree(Path dir) {
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isDirectory(p)) {
          deleteTree(p);
        } else {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", dir, e.getMessage());
    }
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", p, e.getMessage());
    }
  }

  @Override
  public void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // shutting down already: the hook runs teardown, which is idempotent
    }
  }
}
