package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * munlock(2) of [offset, offset + length) of the mapping (R80): the same rounding as mlock, the range's
 * VMAs lose VM_LOCKED; nothing is populated, no content changes, no notifier fires.
 */
public record Munlock(MapId map, long offset, long length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    int page = model.page();
    model.lockedRange(m, offset / page, model.roundUpPage(offset + length) / page);
    model.setLocked(m, offset / page, model.roundUpPage(offset + length) / page, false);
    return Expected.ok(0, "R80 munlock: VM_LOCKED cleared over the range; no populate, no content change");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    return r == null ? Outcome.notLive() : Outcome.of(x.kernel().munlock(r.address() + offset, length), true);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return footprintOf(layout, map, offset, length);
  }

  @Override
  public MapId splits(Layout layout) {
    return splits(layout, map, offset, length);
  }

  /** The mapping, where [offset, offset + length) rounded to pages is not all of it (R79: a VMA split). */
  static MapId splits(Layout layout, MapId map, long offset, long length) {
    Mmap mm = layout.mmapOf(map);
    if (mm == null) {
      return null; // an op of an invalid program, named before its mapping is made
    }
    long pages = (mm.length() + 4095) / 4096;
    return offset / 4096 > 0 || (offset + length + 4095) / 4096 < pages ? map : null;
  }

  static List<Footprint> footprintOf(Layout layout, MapId map, long offset, long length) {
    Mmap mm = layout.mmapOf(map);
    long from = mm.offset() + offset / 4096 * 4096;
    return List.of(new Footprint(mm.file(), from, mm.offset() + (offset + length + 4095) / 4096 * 4096, 'R'));
  }

  /**
   * {mapping index, offset, length} of a live mapping's range from a random page on, inside its pages:
   * the whole mapping half the time, whole pages mostly, and a share of unaligned starts and lengths,
   * which the kernel rounds (R79, not an error); null where no mapping is live or not root.
   */
  static long[] range(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null || !g.caps().root()) {
      return null;
    }
    int page = g.page();
    long span = g.model().roundUpPage(m.length());
    if (g.nextBoolean()) {
      return new long[] {m.id().n(), 0, span};
    }
    long off = (long) g.nextInt((int) (span / page)) * page;
    long room = span - off;
    long len = (1L + g.nextInt((int) (room / page))) * page;
    if (g.nextInt(4) == 0) {
      long in = 1 + g.nextInt(page - 1);
      off += in;
      len = 1 + g.rng().nextLong(span - off);
    }
    return new long[] {m.id().n(), off, len};
  }

  public static Op generate(Generation g) {
    long[] r = range(g);
    return r == null ? null : new Munlock(new MapId((int) r[0]), r[1], r[2]);
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
