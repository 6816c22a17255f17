package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** ftruncate(2) to {@code size} (R16, R17, R18). */
public record Ftruncate(FileId file, long size) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (size < 0) {
      return Expected.error(Errno.EINVAL, "R16 ftruncate: negative length (fs/open.c do_sys_ftruncate)");
    }
    if (size > f.size()) {
      // R18/R14: growth zeroes the old EOF page beyond the old size (not on tmpfs: shmem_setattr only
      // i_size_write()s on growth, U2). Disk filesystems go through truncate_setsize, whose
      // truncate_pagecache() also zeroes the page cache's [size, end of page). With DAX there is no
      // page cache: xfs_setattr_size zeroes only [old size, size) on growth (fs/xfs/xfs_iops.c 6.1),
      // so bytes stored beyond the new size stay in the pmem block, as post-EOF stores do on DAX (U1).
      long old = f.size();
      model.extend(f, size, size, index);
      if (model.caps().fs().diskBacked() && !model.caps().dax()) {
        f.cache().zero((int) size, (int) model.roundUpPage(size), index);
      } else if (model.caps().dax() && model.caps().fs().type().equals("ext4") && model.caps().kernel().atLeast(6, 12)
          && old % model.caps().blockSize() != 0) {
        // R18: ext4_setattr on 6.12 zeroes the old EOF block's tail on growth, beyond the new size too
        // (ext4_block_truncate_page(oldsize) -> ext4_block_zero_page_range -> dax_zero_range on DAX,
        // fs/ext4/inode.c 6.12.117); 6.1 zeroes nothing there (a leak R14 reports).
        long blockEnd = (old / model.caps().blockSize() + 1) * model.caps().blockSize();
        long end = Math.min(blockEnd, model.roundUpPage(size));
        if (end > size) {
          f.cache().zero((int) size, (int) end, index);
        }
      }
      return Expected.ok(0, "R18 ftruncate grows");
    }
    // R17: shrinking, or truncating to the same size, zeroes [size, end of page) on every fs
    // (truncate_pagecache; mm/shmem.c shmem_setattr calls shmem_truncate_range when newsize <= oldsize).
    model.truncateTo(f, size, index);
    return Expected.ok(0, "R17 ftruncate shrinks");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFile(file, fd -> x.kernel().ftruncate(fd, size));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, Math.max(0, size) / 4096 * 4096, Long.MAX_VALUE, 'T'));
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null) {
      return null;
    }
    return new Ftruncate(f.id(), g.invalid() && g.nextInt(3) == 0 ? -1 : g.fileOffset(f));
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.range("size", size, -1, Bounds.MAX_FILE);
  }

  @Override
  public long foldedSize(FileId f, long size) {
    return f.equals(file) && this.size >= 0 ? this.size : -1;
  }
}
