package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;

/**
 * What collapse range and insert range share (R50, R51, R53-R55): the filesystems that have them, their
 * argument checks in the kernel's order, the page cache they write back and drop first, and the
 * private copies that dropping takes with it on ext4.
 */
final class ShiftRange {
  private ShiftRange() {}

  /** The checks before the fs's own: vfs_fallocate's EINVAL, then the modes the fs lacks. */
  static Expected precheck(Model model, long offset, long length) {
    if (offset < 0 || length <= 0) {
      return Expected.error(Errno.EINVAL, "vfs_fallocate: offset < 0 or len <= 0 (fs/open.c)");
    }
    if (!model.caps().fs().shiftsRanges()) {
      return Expected.error(Errno.EOPNOTSUPP,
          "R51 shmem_fallocate and btrfs_fallocate have no FALLOC_FL_COLLAPSE_RANGE or FALLOC_FL_INSERT_RANGE");
    }
    return null;
  }

  /** R53: offset and length must be multiples of the block size (xfs_is_falloc_aligned; ext4: the cluster size). */
  static Expected misaligned(Model model, long offset, long length) {
    long bs = model.caps().blockSize();
    if (offset % bs != 0 || length % bs != 0) {
      return Expected.error(Errno.EINVAL, "R53 offset or length not a multiple of the block size");
    }
    return null;
  }

  /**
   * R54/R55: before the shift the page cache from {@code from} (rounded down to a page) to EOF is
   * written back (R13: the EOF page's post-EOF bytes become zeros on disk) and dropped. xfs drops it
   * with truncate_pagecache_range (even_cows = 0: private copies stay, as after a hole punch); ext4
   * with truncate_pagecache (even_cows = 1: private copies from that page on are lost).
   */
  static void flushAndDrop(Model model, ModelFile f, long from, int index) {
    long start = model.roundDownPage(from);
    model.writeback(f, start, Long.MAX_VALUE, index);
    if (!model.caps().fs().xfs()) {
      model.dropPrivateCopiesFrom(f, start);
    }
  }
}
