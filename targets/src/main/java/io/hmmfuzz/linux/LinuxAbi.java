package io.hmmfuzz.linux;

import com.sun.jna.platform.linux.ErrNo;
import com.sun.jna.platform.linux.Fcntl;
import com.sun.jna.platform.linux.Mman;
import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Linux x86-64 ABI knowledge as data, in one place: flag values, ioctl numbers, struct layouts and the
 * errno table. Values come from jna-platform where it is right for Linux, else from the uapi headers
 * named beside each constant.
 */
final class LinuxAbi {
  private LinuxAbi() {}

  static final int O_RDONLY = Fcntl.O_RDONLY;
  static final int O_CLOEXEC_FLAG = Fcntl.O_CLOEXEC;
  static final int O_CREATE_FRESH = Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_CLOEXEC;
  static final int O_READ_ONLY = Fcntl.O_RDONLY | Fcntl.O_CLOEXEC;
  /** include/uapi/asm-generic/fcntl.h (x86-64): O_DIRECT. */
  static final int O_DIRECT = 040000;
  static final int O_DIRECT_RDWR = Fcntl.O_RDWR | O_DIRECT | Fcntl.O_CLOEXEC;

  /** include/uapi/asm-generic/fcntl.h O_NONBLOCK; include/uapi/linux/fs.h SEEK_END. */
  static final int O_NONBLOCK = 0x800;
  static final int SEEK_END = 2;
  /** The kernel log, one record per read (Documentation/ABI/testing/dev-kmsg). */
  static final String KMSG = "/dev/kmsg";
  /** Writing to it re-arms every WARN_ON_ONCE of the kernel (debugfs, CONFIG_DEBUG_FS; since 4.19). */
  static final Path CLEAR_WARN_ONCE = Path.of("/sys/kernel/debug/clear_warn_once");

  /**
   * statx(2), include/uapi/linux/stat.h and fcntl.h: AT_FDCWD, STATX_BASIC_STATS, struct statx (256
   * bytes; stx_attributes at 8, stx_attributes_mask at 56), STATX_ATTR_DAX (since 5.8).
   */
  static final int AT_FDCWD = -100;
  /** prctl(2) PR_SET_THP_DISABLE (linux/prctl.h, Linux 3.15). */
  static final int PR_SET_THP_DISABLE = 41;
  static final int STATX_BASIC_STATS = 0x7ff;
  static final int STATX_SIZE = 256;
  static final int STATX_ATTRIBUTES_OFFSET = 8;
  static final int STATX_ATTRIBUTES_MASK_OFFSET = 56;
  static final long STATX_ATTR_DAX = 0x00200000L;

  static final int MAP_SHARED = Mman.MAP_SHARED;
  static final int MAP_PRIVATE = Mman.MAP_PRIVATE;
  static final int MAP_SHARED_VALIDATE = Mman.MAP_SHARED_VALIDATE;
  static final int MAP_SYNC = Mman.MAP_SYNC;
  static final int MAP_ANONYMOUS = Mman.MAP_ANONYMOUS;
  static final long MAP_FAILED = -1L;

  /**
   * include/uapi/asm-generic/mman-common.h: MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 4. (jna-platform's
   * Mman has MS_SYNC = 2 and MS_INVALIDATE = 4, which is not Linux.)
   */
  static final int MS_ASYNC = 1;
  static final int MS_INVALIDATE = 2;
  static final int MS_SYNC = 4;

  /** include/uapi/asm-generic/mman-common.h. */
  static final int MADV_WILLNEED = 3;
  static final int MADV_DONTNEED = 4;
  static final int MADV_REMOVE = 9;
  static final int MADV_COLD = 20;
  static final int MADV_PAGEOUT = 21;
  static final int MADV_POPULATE_READ = 22;
  static final int MADV_POPULATE_WRITE = 23;

  /** include/uapi/linux/mman.h. */
  static final int MREMAP_MAYMOVE = 1;
  static final int MREMAP_FIXED = 2;
  static final int MREMAP_DONTUNMAP = 4;

  /** include/uapi/linux/falloc.h. */
  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
  static final int FALLOC_FL_ZERO_RANGE = 0x10;
  static final int FALLOC_FL_INSERT_RANGE = 0x20;
  static final int FALLOC_FL_UNSHARE_RANGE = 0x40;

  /** include/uapi/linux/fs.h: FICLONE _IOW(0x94, 9, int), FICLONERANGE _IOW(0x94, 13, struct file_clone_range). */
  static final long FICLONE = 0x40049409L;
  static final long FICLONERANGE = 0x4020940dL;
  /** struct file_clone_range { __s64 src_fd; __u64 src_offset, src_length, dest_offset; }. */
  static final int FILE_CLONE_RANGE_SIZE = 32;

  /**
   * include/uapi/linux/fs.h: FIDEDUPERANGE _IOWR(0x94, 54, struct file_dedupe_range), the struct of 24
   * bytes {u64 src_offset, src_length; u16 dest_count, reserved1; u32 reserved2} followed by one struct
   * file_dedupe_range_info of 32 bytes per destination {s64 dest_fd; u64 dest_offset, bytes_deduped;
   * s32 status; u32 reserved}. status: FILE_DEDUPE_RANGE_SAME 0, FILE_DEDUPE_RANGE_DIFFERS 1, or -errno.
   */
  static final long FIDEDUPERANGE = 0xc0189436L;
  static final int FILE_DEDUPE_RANGE_SIZE = 24 + 32;
  static final int DEDUPE_SRC_OFFSET = 0;
  static final int DEDUPE_SRC_LENGTH = 8;
  static final int DEDUPE_DEST_COUNT = 16;
  static final int DEDUPE_INFO_DEST_FD = 24;
  static final int DEDUPE_INFO_DEST_OFFSET = 32;
  static final int DEDUPE_INFO_BYTES_DEDUPED = 40;
  static final int DEDUPE_INFO_STATUS = 48;
  static final int FILE_DEDUPE_RANGE_SAME = 0;
  static final int FILE_DEDUPE_RANGE_DIFFERS = 1;

  /** struct stat on x86-64 (arch/x86/include/uapi/asm/stat.h): 144 bytes, st_size at 48. */
  static final int STAT_SIZE = 144;
  static final int STAT_ST_SIZE_OFFSET = 48;
  /** struct statvfs (glibc, x86-64): 112 bytes, f_bsize first. */
  static final int STATVFS_SIZE = 112;
  static final int STATVFS_F_BSIZE_OFFSET = 0;

  static int prot(Prot p) {
    return switch (p) {
      case NONE -> Mman.PROT_NONE;
      case READ -> Mman.PROT_READ;
      case READ_WRITE -> Mman.PROT_READ | Mman.PROT_WRITE;
    };
  }

  static int mapFlags(Sharing sharing, boolean sync) {
    if (sync) {
      return MAP_SHARED_VALIDATE | MAP_SYNC;
    }
    return sharing == Sharing.SHARED ? MAP_SHARED : MAP_PRIVATE;
  }

  static int msync(MsyncMode m) {
    return switch (m) {
      case ASYNC -> MS_ASYNC;
      case SYNC -> MS_SYNC;
      case INVALIDATE -> MS_INVALIDATE;
      case SYNC_INVALIDATE -> MS_SYNC | MS_INVALIDATE;
      case SYNC_ASYNC -> MS_SYNC | MS_ASYNC;
    };
  }

  static int madvise(Advice a) {
    return switch (a) {
      case DONTNEED -> MADV_DONTNEED;
      case REMOVE -> MADV_REMOVE;
      case COLD -> MADV_COLD;
      case PAGEOUT -> MADV_PAGEOUT;
      case WILLNEED -> MADV_WILLNEED;
      case POPULATE_READ -> MADV_POPULATE_READ;
      case POPULATE_WRITE -> MADV_POPULATE_WRITE;
    };
  }

  /** The flags of each way of calling mremap(2) (R82). */
  static int mremap(Remap r) {
    return switch (r) {
      case SHRINK -> 0;
      case GROW, DUPLICATE -> MREMAP_MAYMOVE;
      case MOVE -> MREMAP_MAYMOVE | MREMAP_FIXED;
      case DONTUNMAP -> MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
    };
  }

  static int falloc(FallocMode m) {
    return switch (m) {
      case PUNCH_HOLE -> FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
      case ZERO_RANGE -> FALLOC_FL_ZERO_RANGE;
      case ZERO_RANGE_KEEP_SIZE -> FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
      case ALLOCATE -> 0;
      case ALLOCATE_KEEP_SIZE -> FALLOC_FL_KEEP_SIZE;
      case COLLAPSE_RANGE -> FALLOC_FL_COLLAPSE_RANGE;
      case INSERT_RANGE -> FALLOC_FL_INSERT_RANGE;
      case UNSHARE -> FALLOC_FL_UNSHARE_RANGE;
      case UNSHARE_KEEP_SIZE -> FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE;
    };
  }

  private static final Map<Integer, Errno> ERRNO = new HashMap<>();
  private static final Map<Errno, Integer> NUMBER = new EnumMap<>(Errno.class);

  private static void errno(Errno e, int n) {
    ERRNO.put(n, e);
    NUMBER.put(e, n);
  }

  static {
    errno(Errno.EPERM, ErrNo.EPERM);
    errno(Errno.ENOENT, ErrNo.ENOENT);
    errno(Errno.EINTR, ErrNo.EINTR);
    errno(Errno.EIO, ErrNo.EIO);
    errno(Errno.EBADF, ErrNo.EBADF);
    errno(Errno.EAGAIN, ErrNo.EAGAIN);
    errno(Errno.ENOMEM, ErrNo.ENOMEM);
    errno(Errno.EACCES, ErrNo.EACCES);
    errno(Errno.EFAULT, ErrNo.EFAULT);
    errno(Errno.EBUSY, ErrNo.EBUSY);
    errno(Errno.EEXIST, ErrNo.EEXIST);
    errno(Errno.EXDEV, ErrNo.EXDEV);
    errno(Errno.ENODEV, ErrNo.ENODEV);
    errno(Errno.EISDIR, ErrNo.EISDIR);
    errno(Errno.EINVAL, ErrNo.EINVAL);
    errno(Errno.ETXTBSY, ErrNo.ETXTBSY);
    errno(Errno.EFBIG, ErrNo.EFBIG);
    errno(Errno.ENOSPC, ErrNo.ENOSPC);
    errno(Errno.EROFS, ErrNo.EROFS);
    errno(Errno.EPIPE, ErrNo.EPIPE);
    errno(Errno.EOVERFLOW, ErrNo.EOVERFLOW);
    errno(Errno.EOPNOTSUPP, ErrNo.EOPNOTSUPP);
    errno(Errno.EDQUOT, ErrNo.EDQUOT);
    errno(Errno.ENOSYS, ErrNo.ENOSYS);
    errno(Errno.EBADE, ErrNo.EBADE);
  }

  static Errno errno(int n) {
    return ERRNO.getOrDefault(n, Errno.UNKNOWN);
  }

  static int number(Errno e) {
    return NUMBER.get(e);
  }
}
