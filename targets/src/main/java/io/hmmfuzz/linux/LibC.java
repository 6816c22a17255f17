package io.hmmfuzz.linux;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc binding (JNA direct mapping): system calls only. Mapping memory is never read or written
 * here: see {@link LinuxKernel#load}. errno is read with {@link Native#getLastError()} right after
 * each call.
 */
final class LibC {
  static {
    Native.register(Platform.C_LIBRARY_NAME);
  }

  private LibC() {}

  /** errno of the last call on this thread. */
  static int errno() {
    return Native.getLastError();
  }

  static native int open(String path, int flags, int mode);

  static native int close(int fd);

  static native long read(int fd, byte[] buf, long count);

  static native long lseek(int fd, long offset, int whence);

  static native long pread(int fd, byte[] buf, long count, long offset);

  static native long pwrite(int fd, byte[] buf, long count, long offset);

  /** pread into native memory (an O_DIRECT fd's aligned buffer). */
  static native long pread(int fd, Pointer buf, long count, long offset);

  static native long pwrite(int fd, Pointer buf, long count, long offset);

  static native int ftruncate(int fd, long length);

  static native int fsync(int fd);

  static native int fallocate(int fd, int mode, long offset, long length);

  static native int ioctl(int fd, long request, Pointer arg);

  /** copy_file_range(2) (glibc 2.27): offIn and offOut point at loff_t offsets, advanced by the bytes copied. */
  static native long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);

  static native int fstat(int fd, byte[] statbuf);

  static native int statvfs(String path, byte[] buf);

  static native int statx(int dirfd, String path, int flags, int mask, byte[] buf);

  static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

  static native int munmap(long address, long length);

  static native int mprotect(long address, long length, int prot);

  static native int msync(long address, long length, int flags);

  static native int mlock(long address, long length);

  static native int munlock(long address, long length);

  static native int madvise(long address, long length, int advice);

  /** prctl(2), variadic in glibc: its four further arguments go where fixed ones go on x86-64. */
  static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /**
   * mremap(2): glibc declares new_address as a variadic argument, which the x86-64 calling convention
   * passes where a fifth fixed one goes (r8).
   */
  static native long mremap(long oldAddress, long oldSize, long newSize, int flags, long newAddress);

  static native int getpagesize();

  static native int geteuid();
}
