package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.model.Outcome.Status;
import java.util.List;

/** Creates file {@code file} (O_RDWR|O_CREAT|O_EXCL) in the scratch directory and fills it with {@code size} tagged bytes. */
public record Open(FileId file, long size) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelFile f = model.createFile(file);
    model.extend(f, size, 0, index);
    model.writeTagged(f, 0, size, index);
    return Expected.ok(0, "open(2) O_CREAT|O_EXCL of a fresh name; pwrite(2) of the initial bytes");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    String name = file.toString();
    SysResult r = x.kernel().createFile(name);
    if (r.failed()) {
      return Outcome.of(r, false);
    }
    int fd = (int) r.value();
    x.created(file, name, fd);
    if (size > 0) {
      byte[] data = Tag.bytes(index, 0, (int) size);
      SysResult w = x.kernel().pwrite(fd, data, data.length, 0);
      if (w.failed() || w.value() != size) {
        return w.failed() ? Outcome.of(w, false) : new Outcome(Status.OK, w.value(), null, io.hmmfuzz.core.Signal.NONE, null);
      }
    }
    return Outcome.ok(0);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(file, 0, size, 'W'));
  }

  @Override
  public Footprint tagged(Layout layout, int pageSize) {
    return new Footprint(file, 0, size, 'W');
  }

  /** The bytes open writes are pwrite's (the shrinker folds a file's first pwrite into its open). */
  @Override
  public String dataSource() {
    return OpKind.PWRITE.id();
  }

  /** A fresh file of {@link Generation#fileSize}, while fewer than the most files are open. */
  public static Op generate(Generation g) {
    return g.openFiles().size() < Generation.MAX_FILES ? new Open(g.nextFile(), g.fileSize()) : null;
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.range("size", size, 0, Bounds.MAX_FILE);
  }

  @Override
  public Object makes() {
    return file;
  }
}
