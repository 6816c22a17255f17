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
    return kind == FsKind.TMPFS ? tmpfs() : loopImage(kind);
  }

  /** Where image files and mount points go: $HMMFUZZ_SCRATCH, else /var/tmp (the VM guest sets /tmp). */
  static Path scratchBase() {
    String env = System.getenv("HMMFUZZ_SCRATCH");
    return Path.of(env != null && !env.isEmpty() ? env : "/var/tmp");
  }

  /** The pmem device the -dax kinds are made on. */
  static final Path PMEM = Path.of("/dev/pmem0");

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
    List<String> mkfs = switch (kind) {
      case XFS, XFS_DAX -> List.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1");
      case BTRFS -> List.of("mkfs.btrfs", "-q", "-f");
      case EXT4, EXT4_DAX -> List.of("mkfs.ext4", "-q", "-F", "-b", "4096");
      case TMPFS -> throw new IllegalStateException();
    };
    String pkg = switch (kind) {
      case XFS, XFS_DAX -> "xfsprogs";
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
    String fsType = kind.dax() ? kind.id().replace("-dax", "") : kind.id();
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
      Commands.run(kind.dax() ? List.of("mount", "-o", "dax", image.toString(), mnt.toString())
          : List.of("mount", "-o", "loop", image.toString(), mnt.toString()));
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
