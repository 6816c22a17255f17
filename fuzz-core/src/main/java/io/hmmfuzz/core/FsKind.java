package io.hmmfuzz.core;

import java.util.Locale;

/** Filesystems whose rules the model knows. The -dax kinds live on a pmem device, mounted with -o dax. */
public enum FsKind {
  TMPFS, XFS, BTRFS, EXT4, XFS_DAX, EXT4_DAX;

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
    throw new IllegalArgumentException("unknown filesystem '" + s + "' (expected tmpfs, xfs, btrfs, ext4, xfs-dax or ext4-dax)");
  }

  /** Filesystems with writeback to a block device (and thus writeback's post-EOF zeroing, R13). */
  public boolean diskBacked() {
    return this != TMPFS;
  }
}
