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
 * fallocate(2) mode 0, or FALLOC_FL_KEEP_SIZE, or with {@code unshare} FALLOC_FL_UNSHARE_RANGE: blocks
 * allocated (or unshared) over the range, the bytes there unchanged (a hole reads zero before and
 * after); without keepSize the file grows to the range's end like any extension (R14, R52). On xfs with
 * DAX, unsharing moves mapped pages of shared extents to new blocks, so their page-table entries, and
 * the mirror's, must go (R56); elsewhere no entry changes.
 */
public record Fallocate(FileId file, long offset, long length, boolean keepSize, boolean unshare) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (offset < 0 || length <= 0) {
      return Expected.error(Errno.EINVAL, "vfs_fallocate: offset < 0 or len <= 0 (fs/open.c)");
    }
    if (unshare && !model.caps().fs().xfs()) {
      return Expected.error(Errno.EOPNOTSUPP, "R51 only xfs has FALLOC_FL_UNSHARE_RANGE");
    }
    if (!keepSize) {
      // R52: xfs_falloc_setsize/xfs_setattr_size zeroes from the old EOF (xfs_zero_range); shmem and
      // ext4 only set i_size, which R14 holds to the same rule on disk filesystems (tmpfs: U2).
      model.extend(f, Math.max(f.size(), offset + length), Math.max(f.size(), offset + length), index);
    }
    return Expected.ok(0, unshare ? "R56 fallocate(2) unshares; the bytes stay" : "R52 fallocate(2) allocates; the bytes stay");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    FallocMode mode = unshare ? (keepSize ? FallocMode.UNSHARE_KEEP_SIZE : FallocMode.UNSHARE)
        : keepSize ? FallocMode.ALLOCATE_KEEP_SIZE : FallocMode.ALLOCATE;
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
    boolean unshare = g.nextInt(3) == 0 && (g.caps().fs().xfs() || g.invalid());
    return new Fallocate(f.id(), off, g.invalid() ? 0 : g.accessLength(), g.nextBoolean(), unshare);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.fileRange(offset, length);
  }

  @Override
  public long foldedSize(FileId f, long size) {
    return f.equals(file) && offset >= 0 && length > 0 && !keepSize ? Math.max(size, offset + length) : -1;
  }
}
