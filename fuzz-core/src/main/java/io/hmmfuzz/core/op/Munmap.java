package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** munmap(2) of the whole mapping (R3). */
public record Munmap(MapId map) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    model.unmap(m);
    return Expected.ok(0, "R3 munmap");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    Outcome o = Outcome.of(x.kernel().munmap(r.address(), r.length()), false);
    x.unmapped(map);
    return o;
  }

  /** A third of the time a live mapping is picked, it is unmapped. */
  public static Op generate(Generation g) {
    ModelMapping m = g.liveMapping();
    return m == null || g.nextInt(3) != 0 ? null : new Munmap(m.id());
  }

  @Override
  public Object ends() {
    return map;
  }

  /** Every page of the mapping. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map));
  }
}
