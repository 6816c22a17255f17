package io.hmmfuzz.core.model;

import io.hmmfuzz.core.op.FileId;

/**
 * One file in the model: its size and its page cache. The cache covers [0, round_up(size, PAGE)); the
 * cells in [size, page end) are the post-EOF bytes of the EOF page that mappings can see (R12, R13).
 * Everything beyond is zero by construction.
 */
public final class ModelFile {
  final FileId id;
  long size;
  boolean open = true;
  final Cells cache = new Cells(0);
  /**
   * R105a: the file may carry xfs's reflink inode flag (XFS_DIFLAG2_REFLINK, set for both files by
   * xfs_reflink_remap_prep once a remap gets past its checks, and kept): a direct write off the block
   * size is then bounced to a buffered one (xfs_file_dio_write_unaligned: -ENOTBLK).
   */
  boolean mayBeReflinkInode;

  ModelFile(FileId id) {
    this.id = id;
  }

  public FileId id() {
    return id;
  }

  public long size() {
    return size;
  }

  public boolean open() {
    return open;
  }

  public boolean mayBeReflinkInode() {
    return mayBeReflinkInode;
  }

  public Cells cache() {
    return cache;
  }
}
