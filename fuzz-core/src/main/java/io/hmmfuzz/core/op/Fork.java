package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * fork(2) of the program's process (docs/semantics.md 13.11, R110-R116): the child loads (or, with
 * {@code store}, stores {@code length} tagged bytes) at {@code offset} of the mapping, page by page up to
 * the first fault, reports what it saw and exits; the parent waits. The outcome is the child's access,
 * as a load's or a store's. The parent keeps the device mirror: fork invalidates it over its private
 * mappings with anonymous pages and write-protects those pages (R113, R114). Needs an executor that can
 * fork (the C executor; {@code Target.forks}).
 */
public record Fork(MapId map, long offset, int length, boolean store) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    // R113/R114: dup_mmap's copy_page_range, before the child runs.
    model.fork();
    int page = model.page();
    long pos = offset;
    while (pos < offset + length) {
      // R111/R112: the child's VMAs are the parent's (same file, offset, protection, size), so it
      // faults where the parent would (R5, R7).
      Signal s = model.faultAt(m, pos, store);
      if (s != Signal.NONE) {
        String why = s == Signal.SIGBUS ? "R111 the child's access to a page wholly beyond EOF: SIGBUS (R7)"
            : "R111 the child's access without the permission: SIGSEGV (R5)";
        Cells before = store ? null : model.visible(m, offset, (int) (pos - offset));
        return Expected.signal(s, pos - offset, before, why);
      }
      long next = Math.min(model.roundDownPage(pos) + page, offset + length);
      if (store && m.sharing() == Sharing.SHARED) {
        // R112: a shared mapping's page is the file's (or the shmem object's) page in both processes.
        model.writeTagged(model.backing(m), m.offset() + pos, next - pos, index);
      }
      pos = next;
    }
    if (store) {
      return Expected.ok(length, m.sharing() == Sharing.SHARED
          ? "R112 the child's stores land in the shared page, which the parent sees"
          : "R112 the child's stores copy the private pages on write in the child only; the parent's stay");
    }
    return Expected.ok(length, model.visible(m, offset, length),
        "R111 the child loads what the parent would: the same pages, copied ones and device pages included");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    byte[] buf = store ? Tag.bytes(index, r.fileOffset() + offset, length) : new byte[length];
    return x.fork(map, offset, buf, store);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of()
        : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + length, store ? 'W' : 'R'));
  }

  /** Only a child's stores through a shared file mapping reach the file (R112). */
  @Override
  public Footprint tagged(Layout layout, int pageSize) {
    Mmap mm = layout.mmapOf(map);
    return !store || mm.file() == null || mm.sharing() != Sharing.SHARED ? null
        : new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + length, 'W');
  }

  /** A child's stores are a store's bytes, through the same kind of write fault (R112). */
  @Override
  public String dataSource() {
    return OpKind.STORE.id();
  }

  /**
   * The child's access: near the mapping's EOF or its page boundaries, inside its pages; stores half the
   * time. None while a private mapping may have a page in device memory (R115).
   */
  public static Op generate(Generation g) {
    for (ModelMapping m : g.model().liveMappings()) {
      if (m.sharing() == Sharing.PRIVATE && g.model().anyMaybeOnDevice(m)) {
        // R115: fork would leave a device page without its mirror entry, the known test_hmm crash of
        // its next device access (as mprotect does, R93): not generated then.
        return null;
      }
    }
    CpuAccess a = CpuAccess.generate(g);
    return a == null ? null : new Fork(a.map(), a.offset(), a.length(), g.nextBoolean());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.access(offset, length, layout.mmapOf(map));
  }

  @Override
  public Source reads(Layout layout) {
    Mmap m = layout.mmapOf(map);
    return store || m.file() == null ? null : new Source(m.file(), m.offset() + offset);
  }

  /** The pages of the mapping's range, anonymous or of its file. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), offset, length);
  }
}
