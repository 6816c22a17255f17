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
 * fallocate(FALLOC_FL_INSERT_RANGE): a hole of the range's length opens at the offset and what
 * follows moves up (R53, R55). Every mapped page from the offset to EOF must leave the page tables, and
 * so the mirror.
 */
public record InsertRange(FileId file, long offset, long length) implements Op {
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
    Expected misaligned = ShiftRange.misaligned(model, offset, length);
    if (misaligned != null) {
      return misaligned;
    }
    if (offset >= f.size()) {
      return Expected.error(Errno.EINVAL, "R53 insert range at or beyond EOF: refused");
    }
    if (model.caps().fs().xfs()) {
      // R55: xfs grows the file first (xfs_falloc_setsize: xfs_setattr_size zeroes from the old EOF,
      // xfs_zero_range, in the page cache or on DAX), then shifts (xfs_insert_file_space).
      model.zeroPostEof(f, index);
    }
    ShiftRange.flushAndDrop(model, f, offset, index);
    model.insert(f, offset, length, index);
    return Expected.ok(0, "R55 fallocate(2) insert range");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFile(file, fd -> x.kernel().fallocate(fd, FallocMode.INSERT_RANGE, offset, length));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, offset, offset + length, 'W'));
  }

  /** Block-aligned ranges inside the file mostly; a share unaligned or at EOF. */
  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null || (!g.caps().fs().shiftsRanges() && !g.invalid())) {
      return null; // where the filesystem has none, only the errno path, and only at its share
    }
    int bs = g.blockSize();
    long off = g.invalid() && g.nextBoolean() ? f.size() : g.blockOffset(f.size());
    long len = (1L + g.nextInt(4)) * bs;
    if (g.invalid()) {
      len += 1 + g.nextInt(bs - 1);
    }
    return new InsertRange(f.id(), off, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.fileRange(offset, length);
  }

  @Override
  public long foldedSize(FileId f, long size) {
    return f.equals(file) && offset >= 0 && offset < size && length > 0 ? size + length : -1;
  }
}
