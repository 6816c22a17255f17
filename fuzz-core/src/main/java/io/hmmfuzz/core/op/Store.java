package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** A CPU write fault: store {@code length} tagged bytes at {@code offset} of the mapping (R8, R9, R10, R13). */
public record Store(MapId map, long offset, int length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    return m == null ? Expected.notLive() : model.store(m, offset, length, index);
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    return x.access(map, offset, Tag.bytes(index, r.fileOffset() + offset, length), true);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + length, 'W'));
  }

  @Override
  public Footprint tagged(Layout layout, int pageSize) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? null : new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + length, 'W');
  }

  /** A store near the mapping's EOF or page boundaries, inside its pages. */
  public static Op generate(Generation g) {
    CpuAccess a = CpuAccess.generate(g);
    return a == null ? null : new Store(a.map(), a.offset(), a.length());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.access(offset, length, layout.mmapOf(map));
  }

  /** The pages of the mapping's range, anonymous or of its file. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), offset, length);
  }
}
