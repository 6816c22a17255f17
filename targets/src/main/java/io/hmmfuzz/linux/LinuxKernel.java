package io.hmmfuzz.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The running Linux kernel, through {@link LibC}, with file names resolved in one scratch directory.
 *
 * <p>CPU accesses go through bulk copies of a direct {@link ByteBuffer} over the mapping: HotSpot
 * turns a SIGBUS inside such an unsafe copy into {@code InternalError("a fault occurred in an unsafe
 * memory access")}, which is reported as {@link Signal#SIGBUS}. A SIGBUS in native code would kill the
 * JVM, so mapping memory is never touched natively.
 */
public final class LinuxKernel implements Kernel, AutoCloseable {
  private final Path dir;
  /** The session's mirror of each device, opened on first use. */
  private final TestHmm[] mirrors = new TestHmm[io.hmmfuzz.core.op.DevicePages.DEVICES];
  /** The fds openDirect opened (O_DIRECT): their I/O goes through a page-aligned native buffer. */
  private final java.util.Set<Integer> directFds = new java.util.HashSet<>();
  private Memory directBuffer;

  public LinuxKernel(Path dir) {
    this.dir = dir;
    noTransparentHugePages();
  }

  private static boolean hugePagesOff;

  /**
   * No transparent huge pages in this process, as the C executor (hmm_ops.h no_transparent_huge_pages):
   * a program's small anonymous mapping merges with the JVM's anonymous memory next to it, and where
   * that VMA covers an aligned 2 MiB range a kernel whose THP mode is "always" has khugepaged make its
   * page a PMD-mapped tail page, which the model does not predict (R37, R38).
   */
  private static synchronized void noTransparentHugePages() {
    if (!hugePagesOff) {
      if (LibC.prctl(LinuxAbi.PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
        throw new InfrastructureException("prctl(PR_SET_THP_DISABLE): errno " + Native.getLastError());
      }
      hugePagesOff = true;
    }
  }

  private static SysResult result(long r) {
    if (r < 0) {
      int e = Native.getLastError();
      return SysResult.error(LinuxAbi.errno(e), e);
    }
    return SysResult.ok(r);
  }

  private String path(String name) {
    if (name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("file names stay inside the scratch directory: " + name);
    }
    return dir.resolve(name).toString();
  }

  @Override
  public SysResult createFile(String name) {
    return result(LibC.open(path(name), LinuxAbi.O_CREATE_FRESH, 0600));
  }

  @Override
  public SysResult openReadOnly(String name) {
    return result(LibC.open(path(name), LinuxAbi.O_READ_ONLY, 0));
  }

  @Override
  public SysResult openDirect(String name) {
    SysResult r = result(LibC.open(path(name), LinuxAbi.O_DIRECT_RDWR, 0));
    if (!r.failed()) {
      directFds.add((int) r.value());
    }
    return r;
  }

  @Override
  public SysResult close(int fd) {
    directFds.remove(fd);
    return result(LibC.close(fd));
  }

  /** A page-aligned native buffer of at least {@code length} bytes, for I/O through O_DIRECT fds (R104). */
  private Pointer aligned(int length) {
    if (directBuffer == null || directBuffer.size() < length + 4096L) {
      directBuffer = new Memory(Math.max(1, length) + 4096L);
    }
    return directBuffer.align(4096);
  }

  @Override
  public SysResult pread(int fd, byte[] buf, int length, long offset) {
    if (!directFds.contains(fd)) {
      return result(LibC.pread(fd, buf, length, offset));
    }
    Pointer p = aligned(length);
    SysResult r = result(LibC.pread(fd, p, length, offset));
    if (!r.failed()) {
      p.read(0, buf, 0, (int) r.value());
    }
    return r;
  }

  @Override
  public SysResult pwrite(int fd, byte[] buf, int length, long offset) {
    if (!directFds.contains(fd)) {
      return result(LibC.pwrite(fd, buf, length, offset));
    }
    Pointer p = aligned(length);
    p.write(0, buf, 0, length);
    return result(LibC.pwrite(fd, p, length, offset));
  }

  @Override
  public SysResult ftruncate(int fd, long length) {
    return result(LibC.ftruncate(fd, length));
  }

  @Override
  public SysResult fsync(int fd) {
    return result(LibC.fsync(fd));
  }

  @Override
  public SysResult fallocate(int fd, FallocMode mode, long offset, long length) {
    return result(LibC.fallocate(fd, LinuxAbi.falloc(mode), offset, length));
  }

  @Override
  public SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset) {
    try (Memory arg = new Memory(LinuxAbi.FILE_CLONE_RANGE_SIZE)) {
      arg.setLong(0, srcFd);
      arg.setLong(8, srcOffset);
      arg.setLong(16, length);
      arg.setLong(24, dstOffset);
      return result(LibC.ioctl(dstFd, LinuxAbi.FICLONERANGE, arg));
    }
  }

  @Override
  public SysResult cloneFile(int dstFd, int srcFd) {
    return result(LibC.ioctl(dstFd, LinuxAbi.FICLONE, new Pointer(srcFd)));
  }

  @Override
  public SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length) {
    try (Memory offsets = new Memory(16)) {
      offsets.setLong(0, srcOffset);
      offsets.setLong(8, dstOffset);
      return result(LibC.copy_file_range(srcFd, offsets, dstFd, offsets.share(8), length, 0));
    }
  }

  @Override
  public SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset) {
    try (Memory arg = new Memory(LinuxAbi.FILE_DEDUPE_RANGE_SIZE)) {
      arg.clear();
      arg.setLong(LinuxAbi.DEDUPE_SRC_OFFSET, srcOffset);
      arg.setLong(LinuxAbi.DEDUPE_SRC_LENGTH, length);
      arg.setShort(LinuxAbi.DEDUPE_DEST_COUNT, (short) 1);
      arg.setLong(LinuxAbi.DEDUPE_INFO_DEST_FD, dstFd);
      arg.setLong(LinuxAbi.DEDUPE_INFO_DEST_OFFSET, dstOffset);
      SysResult r = result(LibC.ioctl(srcFd, LinuxAbi.FIDEDUPERANGE, arg));
      if (r.failed()) {
        return r;
      }
      int status = arg.getInt(LinuxAbi.DEDUPE_INFO_STATUS);
      if (status == LinuxAbi.FILE_DEDUPE_RANGE_SAME) {
        return SysResult.ok(arg.getLong(LinuxAbi.DEDUPE_INFO_BYTES_DEDUPED));
      }
      int e = status == LinuxAbi.FILE_DEDUPE_RANGE_DIFFERS ? LinuxAbi.number(Errno.EBADE) : -status;
      return SysResult.error(LinuxAbi.errno(e), e);
    }
  }

  @Override
  public SysResult fileSize(int fd) {
    byte[] st = new byte[LinuxAbi.STAT_SIZE];
    SysResult r = result(LibC.fstat(fd, st));
    if (r.failed()) {
      return r;
    }
    return SysResult.ok(ByteBuffer.wrap(st).order(ByteOrder.nativeOrder()).getLong(LinuxAbi.STAT_ST_SIZE_OFFSET));
  }

  @Override
  public SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset) {
    long a = LibC.mmap(0, length, LinuxAbi.prot(prot), LinuxAbi.mapFlags(sharing, sync), fd, offset);
    if (a == LinuxAbi.MAP_FAILED) {
      int e = Native.getLastError();
      return SysResult.error(LinuxAbi.errno(e), e);
    }
    return SysResult.ok(a);
  }

  @Override
  public SysResult mmapAnonymous(long length, Prot prot, Sharing sharing) {
    long a = LibC.mmap(0, length, LinuxAbi.prot(prot), LinuxAbi.mapFlags(sharing, false) | LinuxAbi.MAP_ANONYMOUS, -1, 0);
    if (a == LinuxAbi.MAP_FAILED) {
      int e = Native.getLastError();
      return SysResult.error(LinuxAbi.errno(e), e);
    }
    return SysResult.ok(a);
  }

  @Override
  public SysResult munmap(long address, long length) {
    return result(LibC.munmap(address, length));
  }

  @Override
  public SysResult mprotect(long address, long length, Prot prot) {
    return result(LibC.mprotect(address, length, LinuxAbi.prot(prot)));
  }

  @Override
  public SysResult msync(long address, long length, MsyncMode mode) {
    return result(LibC.msync(address, length, LinuxAbi.msync(mode)));
  }

  @Override
  public SysResult madvise(long address, long length, Advice advice) {
    return result(LibC.madvise(address, length, LinuxAbi.madvise(advice)));
  }

  /**
   * MOVE's destination is a PROT_NONE anonymous reservation of the new length (a page at least) made
   * here, which MREMAP_FIXED unmaps and replaces (R82 step 8.5); where the call fails it is unmapped
   * again. A valid program's move fails only before that unmap (new_len 0), so nothing another thread
   * of this JVM mapped meanwhile can be at the destination.
   */
  @Override
  public SysResult mremap(long address, long oldLength, long newLength, Remap mode) {
    long destination = 0;
    long reserved = 0;
    if (mode == Remap.MOVE) {
      int page = LibC.getpagesize();
      reserved = Math.max(page, (newLength + page - 1) / page * page);
      destination = LibC.mmap(0, reserved, LinuxAbi.prot(Prot.NONE), LinuxAbi.MAP_PRIVATE | LinuxAbi.MAP_ANONYMOUS,
          -1, 0);
      if (destination == LinuxAbi.MAP_FAILED) {
        int e = Native.getLastError();
        return SysResult.error(LinuxAbi.errno(e), e);
      }
    }
    long a = LibC.mremap(address, oldLength, newLength, LinuxAbi.mremap(mode), destination);
    if (a == LinuxAbi.MAP_FAILED) {
      int e = Native.getLastError();
      if (reserved > 0) {
        LibC.munmap(destination, reserved);
      }
      return SysResult.error(LinuxAbi.errno(e), e);
    }
    return SysResult.ok(a);
  }

  @Override
  public SysResult mlock(long address, long length) {
    return result(LibC.mlock(address, length));
  }

  @Override
  public SysResult munlock(long address, long length) {
    return result(LibC.munlock(address, length));
  }

  @Override
  public Signal load(long address, byte[] dst, int dstOffset, int length) {
    ByteBuffer view = new Pointer(address).getByteBuffer(0, length);
    try {
      view.get(0, dst, dstOffset, length);
      deliverPendingFault();
      return Signal.NONE;
    } catch (InternalError e) {
      return unsafeAccessFault(e);
    }
  }

  @Override
  public Signal store(long address, byte[] src, int srcOffset, int length) {
    ByteBuffer view = new Pointer(address).getByteBuffer(0, length);
    try {
      view.put(0, src, srcOffset, length);
      deliverPendingFault();
      return Signal.NONE;
    } catch (InternalError e) {
      return unsafeAccessFault(e);
    }
  }

  /**
   * In compiled code HotSpot raises the SIGBUS of an unsafe access asynchronously ("a fault occurred
   * in a recent unsafe memory access operation in compiled Java code"), at the thread's next check of
   * its special conditions, which may lie past this method. A native call's return to Java is such a
   * check, so one cheap native call inside the try pins the error to the access that caused it.
   */
  private static void deliverPendingFault() {
    LibC.getpagesize();
  }

  private static Signal unsafeAccessFault(InternalError e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("fault occurred") && m.contains("unsafe memory access")) {
      return Signal.SIGBUS;
    }
    throw e;
  }

  @Override
  public SysResult device(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
    if (mirrors[device] == null) {
      mirrors[device] = TestHmm.open(device);
      if (mirrors[device] == null) {
        int e = Native.getLastError();
        return SysResult.error(LinuxAbi.errno(e), e);
      }
    }
    return mirrors[device].command(command, address, pages, buffer);
  }

  /** Closes the session's device mirrors, those that were opened. */
  @Override
  public void close() {
    for (int d = 0; d < mirrors.length; d++) {
      if (mirrors[d] != null) {
        mirrors[d].close();
        mirrors[d] = null;
      }
    }
  }

  @Override
  public Prot protectionAt(long address) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.US_ASCII)) {
        int dash = line.indexOf('-');
        int sp = line.indexOf(' ');
        long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
        long end = Long.parseUnsignedLong(line.substring(dash + 1, sp), 16);
        if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
          boolean r = line.charAt(sp + 1) == 'r';
          boolean w = line.charAt(sp + 2) == 'w';
          return w ? Prot.READ_WRITE : r ? Prot.READ : Prot.NONE;
        }
      }
      return Prot.NONE;
    } catch (IOException e) {
      throw new InfrastructureException("cannot read /proc/self/maps", e);
    }
  }

  /** The filesystem block size of a directory (statvfs f_bsize). */
  static int blockSize(Path dir) {
    byte[] buf = new byte[LinuxAbi.STATVFS_SIZE];
    if (LibC.statvfs(dir.toString(), buf) != 0) {
      throw new InfrastructureException("statvfs(" + dir + ") failed: errno " + Native.getLastError());
    }
    return (int) ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getLong(LinuxAbi.STATVFS_F_BSIZE_OFFSET);
  }

  /**
   * The DAX attribute of a file as statx reports it (STATX_ATTR_DAX, R26): TRUE or FALSE where the
   * kernel reports the attribute at all, null where it does not (before 5.8, or statx failed).
   */
  static Boolean statxDax(Path file) {
    byte[] buf = new byte[LinuxAbi.STATX_SIZE];
    if (LibC.statx(LinuxAbi.AT_FDCWD, file.toString(), 0, LinuxAbi.STATX_BASIC_STATS, buf) != 0) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
    if ((b.getLong(LinuxAbi.STATX_ATTRIBUTES_MASK_OFFSET) & LinuxAbi.STATX_ATTR_DAX) == 0) {
      return null;
    }
    return (b.getLong(LinuxAbi.STATX_ATTRIBUTES_OFFSET) & LinuxAbi.STATX_ATTR_DAX) != 0;
  }

  static int pageSize() {
    return LibC.getpagesize();
  }

  static boolean root() {
    return LibC.geteuid() == 0;
  }
}
