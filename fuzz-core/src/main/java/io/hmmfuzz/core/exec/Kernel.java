package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Signal;

/**
 * The system-call surface ops execute against, in domain terms: flags are enums, errors are
 * {@link SysResult}s. Implemented by the targets (the Linux kernel through JNA); fuzz-core never
 * touches native code. All file names are relative to the session's fresh scratch directory.
 */
public interface Kernel {
  /** open(name, O_RDWR|O_CREAT|O_EXCL, 0600): a fresh file. */
  SysResult createFile(String name);

  /** open(name, O_RDONLY), for views of files the program closed. */
  SysResult openReadOnly(String name);

  /**
   * open(name, O_RDWR|O_DIRECT): a second fd of a program's file for direct I/O (R100). pread and
   * pwrite on it get buffers aligned to the page, so that only the offset and length decide alignment.
   */
  SysResult openDirect(String name);

  SysResult close(int fd);

  SysResult pread(int fd, byte[] buf, int length, long offset);

  SysResult pwrite(int fd, byte[] buf, int length, long offset);

  SysResult ftruncate(int fd, long length);

  SysResult fsync(int fd);

  SysResult fallocate(int fd, FallocMode mode, long offset, long length);

  /** ioctl(dst, FICLONERANGE, {src, srcOffset, length, dstOffset}). */
  SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset);

  /** ioctl(dst, FICLONE, src). */
  SysResult cloneFile(int dstFd, int srcFd);

  /**
   * copy_file_range(srcFd, &srcOffset, dstFd, &dstOffset, length, 0), length a size_t (-1: SIZE_MAX):
   * the bytes copied.
   */
  SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length);

  /**
   * ioctl(srcFd, FIDEDUPERANGE) with one destination {dstFd, dstOffset}: the destination's
   * bytes_deduped where its status is FILE_DEDUPE_RANGE_SAME; EBADE where it is
   * FILE_DEDUPE_RANGE_DIFFERS; the errno of a negative status, or of the ioctl where it fails.
   */
  SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset);

  /** st_size from fstat(2). */
  SysResult fileSize(int fd);

  /** mmap(NULL, length, prot, sharing [| MAP_SHARED_VALIDATE|MAP_SYNC if sync], fd, offset): the address. */
  SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset);

  /** mmap(NULL, length, prot, sharing|MAP_ANONYMOUS, -1, 0): the address (R110). */
  SysResult mmapAnonymous(long length, Prot prot, Sharing sharing);

  SysResult munmap(long address, long length);

  SysResult mprotect(long address, long length, Prot prot);

  SysResult msync(long address, long length, MsyncMode mode);

  /** madvise(address, length, advice). */
  SysResult madvise(long address, long length, Advice advice);

  /** mlock(address, length) (R79). */
  SysResult mlock(long address, long length);

  /** munlock(address, length) (R80). */
  SysResult munlock(long address, long length);

  /**
   * mremap(address, oldLength, newLength, flags, new_addr) with the flags and destination of {@code
   * mode} ({@link Remap}; MOVE reserves its own destination): the mapping's new address.
   */
  SysResult mremap(long address, long oldLength, long newLength, Remap mode);

  /**
   * A CPU load of {@code length} bytes at {@code address} into {@code dst}, through a bulk copy that
   * turns SIGBUS into a result instead of killing the process. Never called for addresses the caller
   * does not own.
   */
  Signal load(long address, byte[] dst, int dstOffset, int length);

  /** A CPU store, like {@link #load}. */
  Signal store(long address, byte[] src, int srcOffset, int length);

  /** CPU accesses over several pages: the bytes done before the first fault, and that fault (or NONE). */
  record Access(int done, Signal signal) {}

  /**
   * CPU loads into (or stores from) {@code buf[offset, offset+length)} at {@code address}, one copy per
   * page so that a fault names its page, stopping at the first fault. An executor in another process
   * does it in one request.
   */
  default Access access(boolean write, long address, byte[] buf, int offset, int length, int pageSize) {
    int pos = 0;
    while (pos < length) {
      long a = address + pos;
      int n = (int) Math.min(pageSize - Long.remainderUnsigned(a, pageSize), length - pos);
      Signal s = write ? store(a, buf, offset + pos, n) : load(a, buf, offset + pos, n);
      if (s != Signal.NONE) {
        return new Access(pos, s);
      }
      pos += n;
    }
    return new Access(length, Signal.NONE);
  }

  /**
   * CPU loads of {@code pages} whole pages at {@code address} into {@code dst}, each page on its own:
   * a fault ends that page's load, not the next one's. The signal of each page.
   */
  default Signal[] loadPages(long address, byte[] dst, int pages, int pageSize) {
    Signal[] signals = new Signal[pages];
    for (int p = 0; p < pages; p++) {
      signals[p] = load(address + (long) p * pageSize, dst, p * pageSize, pageSize);
    }
    return signals;
  }

  /** What a forked child did (R111, R112): its accesses, or why it could not report them. */
  record Child(SysResult forked, Access access) {}

  /**
   * fork(2): the child makes the CPU loads into (or stores from) {@code buf[0, length)} at
   * {@code address}, one copy per page, stopping at the first fault (caught: SIGBUS, SIGSEGV), reports
   * them (a load's bytes into {@code buf}) and exits; the parent waits for it. {@code forked} failed
   * where fork(2) did. A JVM cannot run Java in a forked child: an executor that cannot fork throws
   * {@link TargetUnavailableException} naming the executor that can.
   */
  default Child fork(boolean write, long address, byte[] buf, int length, int pageSize) {
    throw new TargetUnavailableException("fork runs a child process, which this JVM's executor cannot make"
        + " (no Java runs in a forked child): run it with --executor c");
  }

  /**
   * A write of "1", "2" or "3" ({@code what}) to /proc/sys/vm/drop_caches (R120): the clean, unmapped page
   * cache of every filesystem, the reclaimable slab objects, or both, dropped from the whole kernel, not
   * only the program's. So only a kernel the tool owns may be asked ({@link Target#ownsKernel}: a guest it
   * booted); the local kernel's executors leave this default, which refuses, naming the target that can.
   */
  default SysResult dropCaches(CacheDrop what) {
    throw new TargetUnavailableException("drop-caches drops the caches of the whole kernel, which the tool changes"
        + " only in a guest it booted: run it with --target vm --kernel BZIMAGE");
  }

  /** A file's size and bytes, or the failure that stopped reading them. */
  record WholeFile(SysResult failure, long size, byte[] data) {}

  /**
   * fstat's st_size, then pread of [0, size) from offset 0 until size bytes or end of file; no bytes
   * for a size past {@code Integer.MAX_VALUE}. The first failure ends it.
   */
  default WholeFile readWholeFile(int fd) {
    SysResult st = fileSize(fd);
    if (st.failed()) {
      return new WholeFile(st, -1, null);
    }
    long size = st.value();
    if (size > Integer.MAX_VALUE) {
      return new WholeFile(null, size, new byte[0]);
    }
    byte[] buf = new byte[(int) size];
    int got = 0;
    while (got < size) {
      byte[] chunk = got == 0 ? buf : new byte[(int) size - got];
      SysResult r = pread(fd, chunk, chunk.length, got);
      if (r.failed()) {
        return new WholeFile(r, size, null);
      }
      if (r.value() == 0) {
        break;
      }
      if (chunk != buf) {
        System.arraycopy(chunk, 0, buf, got, (int) r.value());
      }
      got += (int) r.value();
    }
    return new WholeFile(null, size, got == size ? buf : java.util.Arrays.copyOf(buf, got));
  }

  /**
   * One test_hmm ioctl on this session's mirror of device {@code device} (/dev/hmm_dmirror0 or 1, each
   * opened on first use so it mirrors this process): {@code buffer} is the data read or written (READ,
   * WRITE, MIGRATE: pages * page size bytes; SNAPSHOT: one byte per page; RELEASE: none). The value is
   * cpages.
   */
  SysResult device(int device, DeviceCommand command, long address, long pages, byte[] buffer);

  /** The protection of the VMA containing {@code address} as the kernel reports it (/proc/self/maps). */
  Prot protectionAt(long address);
}
