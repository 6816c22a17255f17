package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.Arrays;
import java.util.List;

/**
 * pread(2) of up to {@code length} bytes at {@code offset} (R9, R11: 0 at or beyond EOF); with {@code
 * direct}, through the file's O_DIRECT fd (R100-R107).
 */
public record Pread(FileId file, long offset, int length, @Defaulted boolean direct) implements Op {
  /** A buffered pread. */
  public Pread(FileId file, long offset, int length) {
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
      return Expected.error(Errno.EINVAL, "R11 pread: negative offset");
    }
    Direct path = direct && length > 0 && offset < f.size() ? Direct.of(model.caps(), offset, length) : null;
    if (path == Direct.IOMAP || path == Direct.UNALIGNED) {
      // R106: __iomap_dio_rw writes the range's dirty pages back first (R13 for the EOF page), alignment
      // or not; at or beyond EOF it returns 0 before that.
      model.writeback(f, offset, offset + length, index);
    }
    long n = Math.max(0, Math.min(length, f.size() - offset));
    Expected read = Expected.ok(n, f.cache().slice((int) Math.min(offset, f.size()),
        (int) (Math.min(offset, f.size()) + n)), path == null ? "R9/R11 pread sees the page cache up to EOF"
        : path == Direct.BUFFERED ? "R9/R11 pread: R102/R103/R107 direct read done as a buffered one"
        : "R106 direct read: the range written back, then read from the device up to EOF");
    if (path == Direct.UNALIGNED) {
      return Expected.error(Errno.EINVAL, "R106 direct read off the sector where it reaches a mapped extent"
          + " (iomap_dio_bio_iter)").or(read.withRule("R106 direct read off the sector over holes and unwritten"
          + " extents only (iomap_dio_hole_iter checks no alignment)"));
    }
    return read;
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
    }
    if (direct) {
      SysResult d = x.directFd(file);
      if (d.failed()) {
        return Outcome.of(d, false);
      }
      fd = (int) d.value();
    }
    byte[] buf = new byte[length];
    SysResult r = x.kernel().pread(fd, buf, length, offset);
    if (r.failed()) {
      return Outcome.of(r, false);
    }
    return Outcome.ok(r.value(), Arrays.copyOf(buf, (int) r.value()));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, offset, offset + length, 'R'));
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null) {
      return null;
    }
    long off = g.invalid() && g.nextInt(4) == 0 ? -1 : g.fileOffset(f);
    int len = g.accessLength();
    if (g.nextInt(6) == 0) {
      long[] d = Direct.arguments(g, off, len);
      return new Pread(f.id(), d[0], (int) d[1], true);
    }
    return new Pread(f.id(), off, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.io(offset, length);
  }

  @Override
  public Source reads(Layout layout) {
    return new Source(file, offset);
  }
}
