package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * mlock(2) of [offset, offset + length) of the mapping (R79, read in mm/mlock.c and mm/gup.c of 6.1.192
 * and 6.12): the start is rounded down to its page and the length up ({@code do_mlock}), every VMA of the
 * range becomes VM_LOCKED, and then the range is populated (__mm_populate): a writable private mapping's
 * pages are copied on write, the others read-faulted. A valid program keeps the range inside the mapping's
 * pages, so there is never a hole (ENOMEM before populating) and the walk sees only this mapping's VMAs.
 *
 * <p>Programs run as root (the op is generated only there): {@code can_do_mlock} and RLIMIT_MEMLOCK pass
 * with CAP_IPC_LOCK. The two versions agree on every path a valid range reaches.
 */
public record Mlock(MapId map, long offset, long length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    int page = model.page();
    long from = offset / page;
    long to = model.roundUpPage(offset + length) / page;
    model.lockedRange(m, from, to);
    // R79a: a DAX VMA never becomes VM_LOCKED (mlock_fixup: vma_is_dax, 6.1; !vma_supports_mlock, 6.12),
    // though __mm_populate still faults it in. Anonymous memory on a DAX mount is not DAX (shmem or anon
    // pages): it is locked.
    if (!model.dax(m)) {
      model.setLocked(m, from, to, true);
    }
    if (!model.populate(m, from, to)) {
      return Expected.error(Errno.ENOMEM, "R79 __mm_populate failed (" + (m.prot().readable()
          ? "a page wholly beyond EOF: VM_FAULT_SIGBUS, no signal; the pages before it populated"
          : "PROT_NONE: no FOLL_FORCE") + "): EFAULT becomes ENOMEM (__mlock_posix_error_return);"
          + " the range stays VM_LOCKED (not on DAX, R79a)");
    }
    return Expected.ok(0, "R79 mlock: VM_LOCKED, then populated (a writable private mapping's pages copied"
        + " on write, others read-faulted)");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    return r == null ? Outcome.notLive() : Outcome.of(x.kernel().mlock(r.address() + offset, length), true);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return Munlock.footprintOf(layout, map, offset, length);
  }

  /** A range of a live mapping (see {@link Munlock#range}); only as root (R79: can_do_mlock, RLIMIT_MEMLOCK). */
  public static Op generate(Generation g) {
    long[] r = Munlock.range(g);
    return r == null ? null : new Mlock(new MapId((int) r[0]), r[1], r[2]);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.access(offset, length, layout.mmapOf(map));
  }

  @Override
  public MapId splits(Layout layout) {
    return Munlock.splits(layout, map, offset, length);
  }

  /** The pages of the mapping's range, anonymous or of its file. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), offset, length);
  }
}
