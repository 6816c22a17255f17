package io.hmmfuzz.linux;

import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A real kernel with one known bug planted on top, to prove the fuzzer finds and shrinks such bugs
 * ({@code hmmfuzz selftest}). The misbehaviour is made real where it can be: the truncate bug puts the
 * stale bytes back into the page cache through a mapping, so every later view sees them.
 */
public final class PlantedBugKernel implements Kernel {
  /** The planted bugs, each with the length of its minimal reproducer. */
  public enum Bug {
    /** ftruncate to an unaligned smaller size forgets to zero the tail of the new EOF page (R17). */
    TRUNCATE_KEEPS_TAIL("""
        open f0 size=0x2
        ftruncate f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        """, "ftruncate mmap load", 2),
    /** FICLONE/FICLONERANGE leaves pages of the destination's mappings showing the old bytes (R23). */
    REFLINK_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x0
        punch-hole f0 offset=0x0 length=0x1
        """, "reflink clone", 2),
    /**
     * FICLONE/FICLONERANGE leaves the destination's cached pages stale (R23): the old bytes of the
     * destination range stay in the page cache, so pread, mappings and writeback keep them. Made real
     * by writing the old bytes back over the cloned range.
     */
    REFLINK_LEAVES_CACHE_STALE("""
        open f0 size=0x1
        open f1 size=0x1
        clone f1 src=f0
        """, "reflink clone", 2),
    /**
     * mmap(MAP_SHARED_VALIDATE|MAP_SYNC) succeeds on a file that is not DAX (R27: EOPNOTSUPP), as a
     * shared mapping without MAP_SYNC. Found by the capability probe, whose program is the reproducer.
     */
    MAP_SYNC_OFF_DAX("""
        open f0 size=0x0
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=true
        """, "mmap", 1),
    /**
     * The device mirror keeps a page after truncate (its invalidation of the range is lost, R17/R40):
     * device reads of it return the old bytes instead of EFAULT. Other changes invalidate as they should.
     */
    DEVICE_KEEPS_PAGE_AFTER_TRUNCATE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        ftruncate f0 size=0x0
        """, "ftruncate", 1),
    /**
     * A truncate that shrinks a mapped file logs a kernel WARNING (written to /dev/kmsg as the kernel
     * would print it) and otherwise behaves: found only through the kernel log, as a finding of its own.
     */
    TRUNCATE_OF_MAPPED_FILE_WARNS("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        ftruncate f0 size=0x0
        """, "-", 1);

    private final String minimal;
    private final java.util.Set<String> culprits;
    private final int maxFindings;

    /**
     * @param minimal     the shortest program known to show it
     * @param culprits    the op kinds a finding of it may name as the op after which it appeared
     *                    ({@code -} for a kernel report, which names no op)
     * @param maxFindings how many findings (signatures) it may end as: one, or two where the bug really
     *                    shows two symptoms (through reflink and through clone)
     */
    Bug(String minimal, String culprits, int maxFindings) {
      this.minimal = minimal;
      this.culprits = java.util.Set.of(culprits.split(" "));
      this.maxFindings = maxFindings;
    }

    public java.util.Set<String> culprits() {
      return culprits;
    }

    public int maxFindings() {
      return maxFindings;
    }

    /** The shortest program known to show the bug (found and shrunk on 6.18 tmpfs/xfs, 6.1 in the VM). */
    public String minimalProgram() {
      return minimal;
    }

    public int minimalOps() {
      return (int) minimal.lines().filter(l -> !l.isBlank()).count();
    }
  }

  private record Mapping(int fd, long address, long length) {}

  private final Kernel real;
  private final Bug bug;
  private final List<Mapping> mappings = new ArrayList<>();
  /** Stale page contents by page address (REFLINK bug). */
  private final Map<Long, byte[]> stale = new HashMap<>();
  /** The buggy device mirror's pages by address (DEVICE bug). */
  private final Map<Long, byte[]> mirror = new HashMap<>();

  /** Where the planted WARNING goes: the kernel log of the kernel under test. */
  private final java.util.function.Consumer<String> kernelLog;

  public PlantedBugKernel(Kernel real, Bug bug, java.util.function.Consumer<String> kernelLog) {
    this.real = real;
    this.bug = bug;
    this.kernelLog = kernelLog;
  }

  /** Logs a WARNING report the way the kernel prints one, one /dev/kmsg record per line. */
  private void warn(String where) {
    for (String line : List.of("------------[ cut here ]------------", "WARNING: CPU: 0 PID: 1 at " + where,
        "---[ end trace 0000000000000000 ]---")) {
      kernelLog.accept(line);
    }
  }

  /** A change other than truncate: the buggy mirror still invalidates for these. */
  private void changed() {
    mirror.clear();
  }

  @Override
  public SysResult ftruncate(int fd, long length) {
    if (bug == Bug.TRUNCATE_OF_MAPPED_FILE_WARNS && mappings.stream().anyMatch(m -> m.fd == fd)) {
      SysResult size = real.fileSize(fd);
      if (!size.failed() && length >= 0 && length < size.value()) {
        warn("planted/hmmfuzz.c:1 planted_truncate_of_mapped_file+0x0/0x10");
      }
    }
    if (bug != Bug.TRUNCATE_KEEPS_TAIL || length <= 0 || length % 4096 == 0) {
      return real.ftruncate(fd, length);
    }
    long pageEnd = (length / 4096 + 1) * 4096;
    byte[] tail = new byte[(int) (pageEnd - length)];
    long got = real.pread(fd, tail, tail.length, length).value();
    SysResult r = real.ftruncate(fd, length);
    if (!r.failed() && got > 0) {
      long page = length / 4096 * 4096;
      SysResult a = real.mmap(4096, Prot.READ_WRITE, Sharing.SHARED, false, fd, page);
      if (!a.failed()) {
        real.store(a.value() + (length - page), tail, 0, (int) got);
        real.munmap(a.value(), 4096);
      }
    }
    return r;
  }

  private void snapshotDestination(int dstFd) {
    for (Mapping m : mappings) {
      if (m.fd != dstFd) {
        continue;
      }
      if (!real.protectionAt(m.address).readable()) {
        continue; // a load would be a real SIGSEGV, which kills the JVM
      }
      for (long p = 0; p < m.length; p += 4096) {
        byte[] page = new byte[4096];
        if (real.load(m.address + p, page, 0, 4096) == Signal.NONE) {
          stale.putIfAbsent(m.address + p, page);
        }
      }
    }
  }

  /**
   * A clone of {@code length} bytes (0: to the source's EOF) into dstFd at dstOffset: with the REFLINK
   * bugs, its mapped pages, or its cached pages, keep showing what they showed before.
   */
  private SysResult clone(int dstFd, int srcFd, long srcOffset, long length, long dstOffset, Supplier<SysResult> call) {
    changed();
    if (bug == Bug.REFLINK_LEAVES_MAPPING_STALE) {
      snapshotDestination(dstFd);
    }
    byte[] old = null;
    if (bug == Bug.REFLINK_LEAVES_CACHE_STALE) {
      SysResult dstSize = real.fileSize(dstFd);
      SysResult srcSize = real.fileSize(srcFd);
      if (!dstSize.failed() && !srcSize.failed() && dstOffset < dstSize.value()) {
        long len = length != 0 ? length : Math.max(0, srcSize.value() - srcOffset);
        old = new byte[(int) Math.min(Math.min(len, dstSize.value() - dstOffset), 1 << 20)];
        old = java.util.Arrays.copyOf(old, (int) Math.max(0, real.pread(dstFd, old, old.length, dstOffset).value()));
      }
    }
    SysResult r = call.get();
    if (r.failed()) {
      stale.clear();
    } else if (old != null && old.length > 0) {
      real.pwrite(dstFd, old, old.length, dstOffset);
    }
    return r;
  }

  @Override
  public SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset) {
    return clone(dstFd, srcFd, srcOffset, length, dstOffset,
        () -> real.cloneRange(dstFd, srcFd, srcOffset, length, dstOffset));
  }

  @Override
  public SysResult cloneFile(int dstFd, int srcFd) {
    return clone(dstFd, srcFd, 0, 0, 0, () -> real.cloneFile(dstFd, srcFd));
  }

  @Override
  public SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length) {
    changed();
    return real.copyFileRange(srcFd, srcOffset, dstFd, dstOffset, length);
  }

  @Override
  public SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset) {
    changed();
    return real.dedupeRange(srcFd, srcOffset, length, dstFd, dstOffset);
  }

  @Override
  public Signal load(long address, byte[] dst, int dstOffset, int length) {
    Signal s = real.load(address, dst, dstOffset, length);
    long page = address / 4096 * 4096;
    byte[] old = stale.get(page);
    if (s == Signal.NONE && old != null) {
      System.arraycopy(old, (int) (address - page), dst, dstOffset, length);
    }
    return s;
  }

  @Override
  public Signal store(long address, byte[] src, int srcOffset, int length) {
    changed();
    stale.remove(address / 4096 * 4096);
    return real.store(address, src, srcOffset, length);
  }

  @Override
  public SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset) {
    changed();
    SysResult r = real.mmap(length, prot, sharing, sync && bug != Bug.MAP_SYNC_OFF_DAX, fd, offset);
    if (!r.failed()) {
      mappings.add(new Mapping(fd, r.value(), (length + 4095) / 4096 * 4096));
    }
    return r;
  }

  @Override
  public SysResult munmap(long address, long length) {
    changed();
    mappings.removeIf(m -> m.address == address);
    stale.keySet().removeIf(p -> p >= address && p < address + length);
    return real.munmap(address, length);
  }

  @Override
  public SysResult createFile(String name) {
    return real.createFile(name);
  }

  @Override
  public SysResult openReadOnly(String name) {
    return real.openReadOnly(name);
  }

  @Override
  public SysResult close(int fd) {
    changed();
    return real.close(fd);
  }

  @Override
  public SysResult pread(int fd, byte[] buf, int length, long offset) {
    return real.pread(fd, buf, length, offset);
  }

  @Override
  public SysResult pwrite(int fd, byte[] buf, int length, long offset) {
    changed();
    return real.pwrite(fd, buf, length, offset);
  }

  @Override
  public SysResult fsync(int fd) {
    return real.fsync(fd);
  }

  @Override
  public SysResult fallocate(int fd, FallocMode mode, long offset, long length) {
    changed();
    return real.fallocate(fd, mode, offset, length);
  }

  @Override
  public SysResult fileSize(int fd) {
    return real.fileSize(fd);
  }

  @Override
  public SysResult mprotect(long address, long length, Prot prot) {
    changed();
    return real.mprotect(address, length, prot);
  }

  @Override
  public SysResult msync(long address, long length, MsyncMode mode) {
    return real.msync(address, length, mode);
  }

  @Override
  public SysResult device(DeviceCommand command, long address, long pages, byte[] buffer) {
    if (bug != Bug.DEVICE_KEEPS_PAGE_AFTER_TRUNCATE) {
      return real.device(command, address, pages, buffer);
    }
    if (command == DeviceCommand.READ && pages == 1 && mirror.containsKey(address)) {
      byte[] kept = mirror.get(address);
      System.arraycopy(kept, 0, buffer, 0, kept.length);
      return SysResult.ok(1);
    }
    if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT) {
      changed();
    }
    SysResult r = real.device(command, address, pages, buffer);
    if (command == DeviceCommand.READ && pages == 1 && !r.failed()) {
      mirror.put(address, buffer.clone());
    }
    return r;
  }

  @Override
  public Prot protectionAt(long address) {
    return real.protectionAt(address);
  }

  @Override
  public String toString() {
    return "linux with planted bug " + bug;
  }
}
