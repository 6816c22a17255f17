package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;

/** close(2) of the file's fd. Its mappings stay (they hold their own reference to the file, mmap(2)). */
public record Close(FileId file) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.openFile(file);
    if (f == null) {
      return Expected.notLive();
    }
    model.close(f);
    return Expected.ok(0, "close(2)");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
    }
    x.closed(file);
    return Outcome.of(x.kernel().close(fd), false);
  }

  /** A quarter of the time an open file is picked, it is closed. */
  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    return f != null && g.nextInt(4) == 0 ? new Close(f.id()) : null;
  }

  @Override
  public Object ends() {
    return file;
  }
}
