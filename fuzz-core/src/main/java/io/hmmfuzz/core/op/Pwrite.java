package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * pwrite(2) of {@code length} tagged bytes at {@code offset} (R9, R11, R14); with {@code direct}, through the
 * file's O_DIRECT fd (R100-R108).
 */
public record Pwrite(FileId file, long offset, int length, @Defaulted boolean direct) implements Op {
  /** A buffered pwrite. */
  public Pwrite(FileId file, long offset, int length) {
    this(file, offset, length, false);
  }

  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (direct && !model.caps().directIo()) {
      return Expected.error(Errno.EINVAL, "R100 open(O_DIRECT) on tmpfs before 6.6: shmem has no ->direct_IO");
    }
    if (offset < 0) {
      return Expected.error(Errno.EINVAL, "R11 pwrite: negative offset");
    }
    if (length == 0) {
      return Expected.ok(0, "R11 pwrite of 0 bytes changes nothing" + (direct ? " (R101: before any direct I/O"
          + " check)" : ""));
    }
    String how = "R9/R11 pwrite";
    if (direct) {
      switch (Direct.of(model.caps(), offset, length, f.mayBeReflinkInode())) {
        case UNALIGNED -> {
          return Expected.error(Errno.EINVAL, "R104 direct write off the " + model.caps().dioSectorSize()
              + "-byte sector: EINVAL (xfs_file_dio_write, iomap_dio_bio_iter)");
        }
        case IOMAP -> {
          // R105: filemap_write_and_wait_range of the range first (the EOF page, if in it, has its post-EOF
          // bytes zeroed, R13), then invalidate_inode_pages2_range: mapped pages leave every mapping
          // (MMU_NOTIFY_CLEAR), private copies stay; what is read again is what the write left.
          model.writeback(f, offset, offset + length, index);
          model.fileRangeNotified(f, offset, offset + length);
          how = "R105 direct write: range written back, its pages invalidated, then the write; reads as R9/R11";
        }
        // Named by the buffered rule first, so that a finding of the buffered path keeps its signature.
        case BUFFERED -> how = "R9/R11 pwrite: R102/R103/R105a/R107 direct write done as a buffered one (DAX,"
            + " tmpfs, an xfs reflink inode off the block size, btrfs off its sector size)";
      }
    }
    // R14: a write past EOF leaves a hole [old size, offset) that reads zero (not on tmpfs, U2).
    model.extend(f, Math.max(f.size(), offset + length), offset, index);
    model.writeTagged(f, offset, length, index);
    return Expected.ok(length, how);
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
    }
    byte[] data = Tag.bytes(index, offset, length);
    if (direct) {
      SysResult d = x.directFd(file);
      if (d.failed()) {
        return Outcome.of(d, false);
      }
      fd = (int) d.value();
    }
    return Outcome.of(x.kernel().pwrite(fd, data, length, offset), true);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, offset, offset + length, 'W'));
  }

  @Override
  public Footprint tagged(Layout layout, int pageSize) {
    return new Footprint(file, offset, offset + length, 'W');
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null) {
      return null;
    }
    long off = g.invalid() && g.nextInt(4) == 0 ? -1 : g.fileOffset(f);
    int len = g.nextInt(20) == 0 ? 0 : g.accessLength();
    if (g.nextInt(6) == 0) {
      long[] d = Direct.arguments(g, off, len);
      return new Pwrite(f.id(), d[0], (int) d[1], true);
    }
    return new Pwrite(f.id(), off, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.io(offset, length);
  }

  @Override
  public long foldedSize(FileId f, long size) {
    return f.equals(file) && offset >= 0 && !direct ? Math.max(size, offset + length) : -1;
  }
}
