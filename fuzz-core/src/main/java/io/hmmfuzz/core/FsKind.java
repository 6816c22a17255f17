package io.hmmfuzz.core;

import java.util.Locale;

/**
 * Filesystems whose rules the model knows. The -dax kinds live on a pmem device, mounted with -o dax;
 * the -1k kinds are made with 1 KiB blocks, below the page size, where a page holds several blocks and
 * EOF and zeroing take paths that 4 KiB blocks never reach.
 */
public enum FsKind {
  TMPFS, XFS, BTRFS, EXT4, XFS_DAX, EXT4_DAX, XFS_1K, EXT4_1K;

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Files are DAX: no page cache, mappings point at the pmem itself (R29). */
  public boolean dax() {
    return this == XFS_DAX || this == EXT4_DAX;
  }

  public static FsKind parse(String s) {
    for (FsKind k : values()) {
      if (k.id().equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown filesystem '" + s + "' (expected one of " + java.util.Arrays.stream(values())
        .map(FsKind::id).collect(java.util.stream.Collectors.joining(", ")) + ")");
  }

  /** The block size it is made with (mkfs), or 0 where mkfs chooses (btrfs: the page size) or there is no mkfs. */
  public int madeWithBlockSize() {
    return switch (this) {
      case XFS_1K, EXT4_1K -> 1024;
      case XFS, XFS_DAX, EXT4, EXT4_DAX -> 4096;
      case TMPFS, BTRFS -> 0;
    };
  }

  /** The kernel's name of the filesystem type (mount -t, /proc/filesystems). */
  public String type() {
    return switch (this) {
      case TMPFS -> "tmpfs";
      case XFS, XFS_DAX, XFS_1K -> "xfs";
      case EXT4, EXT4_DAX, EXT4_1K -> "ext4";
      case BTRFS -> "btrfs";
    };
  }

  /** xfs, on any device or block size. */
  public boolean xfs() {
    return this == XFS || this == XFS_DAX || this == XFS_1K;
  }

  /** Filesystems with writeback to a block device (and thus writeback's post-EOF zeroing, R13). */
  public boolean diskBacked() {
    return this != TMPFS;
  }

  /**
   * R51: fallocate's FALLOC_FL_COLLAPSE_RANGE and FALLOC_FL_INSERT_RANGE exist (xfs_file_fallocate,
   * ext4_fallocate); shmem_fallocate and btrfs_fallocate refuse them with EOPNOTSUPP (6.1, 6.12).
   */
  public boolean shiftsRanges() {
    return xfs() || this == EXT4 || this == EXT4_DAX || this == EXT4_1K;
  }

  /**
   * R19/R75: the filesystem's file_operations have {@code ->remap_file_range} (xfs_file_remap_range,
   * btrfs_remap_file_range), so FIDEDUPERANGE reaches the filesystem, which may still refuse (xfs
   * without the reflink feature: status -EOPNOTSUPP); ext4 and tmpfs have none (6.1, 6.12).
   */
  public boolean remapsFileRanges() {
    return xfs() || this == BTRFS;
  }
}
