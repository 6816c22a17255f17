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

  public Cells cache() {
    return cache;
  }
}
