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

/** pread(2) of up to {@code length} bytes at {@code offset} (R9, R11: 0 at or beyond EOF). */
public record Pread(FileId file, long offset, int length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    if (offset < 0) {
      return Expected.error(Errno.EINVAL, "R11 pread: negative offset");
    }
    long n = Math.max(0, Math.min(length, f.size() - offset));
    return Expected.ok(n, f.cache().slice((int) Math.min(offset, f.size()), (int) (Math.min(offset, f.size()) + n)),
        "R9/R11 pread sees the page cache up to EOF");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
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
    return new Pread(f.id(), off, g.accessLength());
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
