package io.hmmfuzz.core;

import java.util.Locale;

/** Filesystems whose rules the model knows. */
public enum FsKind {
  TMPFS, XFS, BTRFS, EXT4;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FsKind parse(String s) {
    for (FsKind k : values()) {
      if (k.id().equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown filesystem '" + s + "' (expected tmpfs, xfs, btrfs or ext4)");
  }

  /** Filesystems with writeback to a block device (and thus writeback's post-EOF zeroing, R13). */
  public boolean diskBacked() {
    return this != TMPFS;
  }
}
