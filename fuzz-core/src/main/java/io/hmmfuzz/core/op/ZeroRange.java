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
 * fallocate(FALLOC_FL_ZERO_RANGE [|FALLOC_FL_KEEP_SIZE]). Without keepSize the file may grow, like an
 * extension (R14). tmpfs has no zero range (shmem_fallocate: EOPNOTSUPP).
 */
public record ZeroRange(FileId file, long offset, long length, boolean keepSize) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (offset < 0 || length <= 0) {
      return Expected.error(Errno.EINVAL, "vfs_fallocate: offset < 0 or len <= 0 (fs/open.c)");
    }
    if (!model.caps().zeroRange()) {
      return Expected.error(Errno.EOPNOTSUPP, "fallocate(2): filesystem has no FALLOC_FL_ZERO_RANGE");
    }
    if (!keepSize) {
      model.extend(f, Math.max(f.size(), offset + length), offset, index);
    }
    model.zeroData(f, offset, offset + length, index);
    postEofMayBeZeroed(model, f, offset, offset + length);
    return Expected.ok(0, "fallocate(2) zero range");
  }

  /**
   * The page-cache invalidation of a fallocate range that covers the EOF page's post-EOF bytes may zero
   * them (truncate_pagecache_range zeroes partial folios; ext4 stops at i_size first).
   */
  static void postEofMayBeZeroed(Model model, ModelFile f, long from, long to) {
    long a = Math.max(from, f.size());
    long b = Math.min(to, model.roundUpPage(f.size()));
    if (a < b) {
      f.cache().allowZero((int) a, (int) b);
    }
  }

  @Override
  public Outcome execute(Execution x, int index) {
    FallocMode mode = keepSize ? FallocMode.ZERO_RANGE_KEEP_SIZE : FallocMode.ZERO_RANGE;
    return x.onFile(file, fd -> x.kernel().fallocate(fd, mode, offset, length));
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
    long len = g.invalid() ? 0 : g.accessLength();
    return new ZeroRange(f.id(), off, len, g.nextBoolean());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.fileRange(offset, length);
  }
}
