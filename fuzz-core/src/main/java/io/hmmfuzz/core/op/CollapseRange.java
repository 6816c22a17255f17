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
 * fallocate(FALLOC_FL_COLLAPSE_RANGE): the range is cut out of the file and what follows moves down
 * (R53, R54, R57). Every mapped page from the offset to EOF must leave the page tables, and so the mirror.
 */
public record CollapseRange(FileId file, long offset, long length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    Expected early = ShiftRange.precheck(model, offset, length);
    if (early != null) {
      return early;
    }
    if (model.caps().fs().xfs() && !model.caps().kernel().atLeast(6, 12)) {
      // R57: 6.1's xfs_file_fallocate writes back and unmaps [offset, offset + len), rounded out to
      // pages, before it checks the range (xfs_flush_unmap_range, fs/xfs/xfs_file.c 6.1); 6.12.117's
      // xfs_falloc_collapse_range checks first and flushes in xfs_free_file_space.
      model.writeback(f, model.roundDownPage(offset), model.roundUpPage(offset + length), index);
    }
    Expected misaligned = ShiftRange.misaligned(model, offset, length);
    if (misaligned != null) {
      return misaligned;
    }
    if (offset + length >= f.size()) {
      return Expected.error(Errno.EINVAL, "R53 a collapse that reaches EOF is a truncate: refused");
    }
    ShiftRange.flushAndDrop(model, f, offset, index);
    long newSize = f.size() - length;
    model.collapse(f, offset, length, index);
    if (model.caps().fs().xfs()) {
      // R54: xfs then sets the smaller size as a truncate does (xfs_setattr_size: xfs_truncate_page
      // zeroes the new EOF block's tail, truncate_setsize drops pages beyond it with even_cows = 1).
      model.truncateTo(f, newSize, index);
    }
    return Expected.ok(0, "R54 fallocate(2) collapse range");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFile(file, fd -> x.kernel().fallocate(fd, FallocMode.COLLAPSE_RANGE, offset, length));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, offset, offset + length, 'W'));
  }

  /** Block-aligned ranges inside the file mostly; a share unaligned or reaching EOF. */
  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null || (!g.caps().fs().shiftsRanges() && !g.invalid())) {
      return null; // where the filesystem has none, only the errno path, and only at its share
    }
    int bs = g.blockSize();
    long off = g.blockOffset(f.size());
    long len = (1L + g.nextInt(4)) * bs;
    if (g.invalid()) {
      len += g.nextBoolean() ? 1 + g.nextInt(bs - 1) : f.size();
    }
    return new CollapseRange(f.id(), off, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.fileRange(offset, length);
  }
}
