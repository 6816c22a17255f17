package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** fsync(2): writes back the file, which zeroes post-EOF bytes of the EOF page on disk filesystems (R13). */
public record Fsync(FileId file) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    model.writeback(f, 0, Long.MAX_VALUE, index);
    return Expected.ok(0, "R11/R13 fsync");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFile(file, fd -> x.kernel().fsync(fd));
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    return f == null ? null : new Fsync(f.id());
  }

  /** Every page of the file: writeback may reach any. */
  @Override
  public List<Pages> pages(Layout layout) {
    return List.of(Pages.ofFile(file, 0, Long.MAX_VALUE));
  }
}
