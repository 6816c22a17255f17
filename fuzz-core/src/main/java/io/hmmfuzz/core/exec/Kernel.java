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

  /** st_size from fstat(2). */
  SysResult fileSize(int fd);

  /** mmap(NULL, length, prot, sharing [| MAP_SHARED_VALIDATE|MAP_SYNC if sync], fd, offset): the address. */
  SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset);

  SysResult munmap(long address, long length);

  SysResult mprotect(long address, long length, Prot prot);

  SysResult msync(long address, long length, MsyncMode mode);

  /**
   * A CPU load of {@code length} bytes at {@code address} into {@code dst}, through a bulk copy that
   * turns SIGBUS into a result instead of killing the process. Never called for addresses the caller
   * does not own.
   */
  Signal load(long address, byte[] dst, int dstOffset, int length);

  /** A CPU store, like {@link #load}. */
  Signal store(long address, byte[] src, int srcOffset, int length);

  /**
   * One test_hmm ioctl on this session's device mirror (/dev/hmm_dmirror0, opened on first use so it
   * mirrors this process): {@code buffer} is the data read or written (READ, WRITE, MIGRATE: pages *
   * page size bytes; SNAPSHOT: one byte per page). The value is cpages.
   */
  SysResult device(DeviceCommand command, long address, long pages, byte[] buffer);

  /** The protection of the VMA containing {@code address} as the kernel reports it (/proc/self/maps). */
  Prot protectionAt(long address);
}
