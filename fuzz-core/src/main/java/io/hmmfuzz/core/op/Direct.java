package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;

/**
 * How a direct (O_DIRECT) pread or pwrite of {@code length > 0} bytes at {@code offset >= 0} goes on the
 * filesystem under test (docs/semantics.md 13.10, R100-R107; 6.1.192 and 6.12 sources).
 */
enum Direct {
  /**
   * As a buffered call: DAX files (xfs_file_read_iter/write_iter and ext4's test IS_DAX before IOCB_DIRECT,
   * dax_iomap_rw, R102), tmpfs from 6.6 (shmem ignores IOCB_DIRECT, R103), btrfs off its sector size
   * (check_direct_IO fails and btrfs falls back to buffered I/O, R107).
   */
  BUFFERED,
  /**
   * Through iomap (__iomap_dio_rw): a write back of the range's dirty pages first, for a write then the
   * invalidation of its pages (unmapped from every mapping, private copies kept), the I/O on the device
   * (R105, R106).
   */
  IOMAP,
  /**
   * xfs or ext4 off the device's sector: a write is EINVAL (xfs_file_dio_write, iomap_dio_bio_iter), a read
   * is EINVAL where a mapped extent is reached and reads holes and unwritten extents without the check
   * (iomap_dio_hole_iter), after the write back of the range (R104, R106).
   */
  UNALIGNED;

  static Direct of(Capabilities caps, long offset, long length) {
    return of(caps, offset, length, false);
  }

  /**
   * As above, for a write where {@code reflinkInode}: xfs bounces a write off the block size on a file
   * that may carry the reflink inode flag to the buffered path before anything is flushed (R105a).
   */
  static Direct of(Capabilities caps, long offset, long length, boolean reflinkInode) {
    FsKind fs = caps.fs();
    if (reflinkInode && fs.xfs() && !caps.dax() && ((offset | length) % caps.dioSectorSize()) == 0
        && ((offset | length) % caps.blockSize()) != 0) {
      return BUFFERED;
    }
    if (caps.dax() || fs == FsKind.TMPFS) {
      return BUFFERED;
    }
    if (fs == FsKind.BTRFS) {
      return ((offset | length) % caps.blockSize()) != 0 ? BUFFERED : IOMAP;
    }
    return ((offset | length) % caps.dioSectorSize()) != 0 ? UNALIGNED : IOMAP;
  }

  /** A direct offset and length from buffered ones: sector multiples, off them at the invalid share. */
  static long[] arguments(Generation g, long offset, int length) {
    int sector = 512;
    if (offset < 0 || g.invalid() || g.nextInt(8) == 0) {
      return new long[] {offset, length};
    }
    long off = offset / sector * sector;
    long len = Math.max(sector, (length + sector - 1L) / sector * sector);
    return new long[] {off, len};
  }
}
