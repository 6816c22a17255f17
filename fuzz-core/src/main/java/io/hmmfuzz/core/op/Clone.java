package io.hmmfuzz.core.op;

import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** ioctl(dst, FICLONE, src): the whole source, as FICLONERANGE {0, 0, 0} (R19, fs/ioctl.c). */
public record Clone(FileId dst, FileId src) implements Op {
  @Override
  public Expected model(Model model, int index) {
    return model.remapped(Reflink.rule(model, dst, src, 0, 0, 0, index), model.openFile(dst), model.openFile(src));
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFiles(dst, src, (d, s) -> x.kernel().cloneFile(d, s));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(dst, 0, Long.MAX_VALUE, 'W'), new Footprint(src, 0, Long.MAX_VALUE, 'R'));
  }

  @Override
  public Carry carried() {
    return new Carry(dst, 0, src, 0, Long.MAX_VALUE);
  }

  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    return f == null ? null : new Clone(f.id(), g.openFile().id());
  }
}
