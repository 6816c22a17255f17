package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** pwrite(2) of {@code length} tagged bytes at {@code offset} (R9, R11, R14). */
public record Pwrite(FileId file, long offset, int length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (offset < 0) {
      return Expected.error(Errno.EINVAL, "R11 pwrite: negative offset");
    }
    if (length == 0) {
      return Expected.ok(0, "R11 pwrite of 0 bytes changes nothing");
    }
    // R14: a write past EOF leaves a hole [old size, offset) that reads zero (not on tmpfs, U2).
    model.extend(f, Math.max(f.size(), offset + length), offset, index);
    model.writeTagged(f, offset, length, index);
    return Expected.ok(length, "R9/R11 pwrite");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
    }
    byte[] data = Tag.bytes(index, offset, length);
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
    return new Pwrite(f.id(), off, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.io(offset, length);
  }

  @Override
  public long foldedSize(FileId f, long size) {
    return f.equals(file) && offset >= 0 ? Math.max(size, offset + length) : -1;
  }
}
