package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * fallocate(FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE). The range reads zero; the size stays; private
 * copies survive (truncate_pagecache_range uses even_cows = 0, R17 contrast).
 */
public record PunchHole(FileId file, long offset, long length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (offset < 0 || length <= 0) {
      return Expected.error(Errno.EINVAL, "vfs_fallocate: offset < 0 or len <= 0 (fs/open.c)");
    }
    punch(model, f, offset, length, index);
    return Expected.ok(0, "fallocate(2) punch hole");
  }

  /**
   * The model's effect of a hole punch of [offset, offset + length) of f (offset >= 0, length > 0),
   * also made by madvise(MADV_REMOVE) through its mapping's file (R63), whose fd may be closed.
   */
  static void punch(Model model, ModelFile f, long offset, long length, int index) {
    model.zeroData(f, offset, offset + length, index);
    ZeroRange.postEofMayBeZeroed(model, f, offset, offset + length);
    if (offset < f.size() && offset + length > f.size()) {
      // ext4_punch_hole (fs/ext4/inode.c, 6.1): "If the hole extends beyond i_size, set the hole to end
      // after the page that contains i_size": the whole post-EOF tail of the EOF page may be zeroed
      // (seen on ext4-dax, where no writeback hides it).
      ZeroRange.postEofMayBeZeroed(model, f, f.size(), model.roundUpPage(f.size()));
    }
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFile(file, fd -> x.kernel().fallocate(fd, FallocMode.PUNCH_HOLE, offset, length));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, offset, offset + length, 'W'));
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null) {
      return null;
    }
    long off = g.rangeOffset(f);
    return new PunchHole(f.id(), off, g.invalid() ? 0 : g.accessLength());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.fileRange(offset, length);
  }
}
