package io.hmmfuzz.core.op;

import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;

/** Where a generated load or store goes: near its mapping's EOF or page boundaries, inside its pages. */
record CpuAccess(MapId map, long offset, int length) {
  static CpuAccess generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null) {
      return null;
    }
    long span = g.model().roundUpPage(m.length());
    ModelFile f = g.model().backing(m);
    long off = Generation.clamp(g.interesting(f.size() - m.offset(), span), 0, span - 1);
    int len = (int) Math.min(span - off, g.accessLength());
    return new CpuAccess(m.id(), off, len);
  }
}
