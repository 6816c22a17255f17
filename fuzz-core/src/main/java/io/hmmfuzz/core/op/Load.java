package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** A CPU read fault: load {@code length} bytes at {@code offset} of the mapping (R7, R9, R10, R12). */
public record Load(MapId map, long offset, int length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    return m == null ? Expected.notLive() : model.load(m, offset, length);
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.access(map, offset, new byte[length], false);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + length, 'R'));
  }

  /** A load near the mapping's EOF or page boundaries, inside its pages. */
  public static Op generate(Generation g) {
    CpuAccess a = CpuAccess.generate(g);
    return a == null ? null : new Load(a.map(), a.offset(), a.length());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.access(offset, length, layout.mmapOf(map));
  }

  @Override
  public Source reads(Layout layout) {
    Mmap m = layout.mmapOf(map);
    return m.file() == null ? null : new Source(m.file(), m.offset() + offset);
  }

  /** The pages of the mapping's range, anonymous or of its file. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), offset, length);
  }
}
