package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * mprotect(2) of the whole mapping. Files are opened O_RDWR, so PROT_WRITE is always permitted
 * (mm/mprotect.c: EACCES only for a shared mapping of a read-only fd).
 */
public record Mprotect(MapId map, Prot prot) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    Prot old = m.prot();
    model.protect(m, prot);
    if (m.sharing() == io.hmmfuzz.core.exec.Sharing.PRIVATE && !old.writable() && prot.writable()) {
      // R79: a private VM_LOCKED VMA that becomes writable is populated with write faults (mm/mprotect.c
      // mprotect_fixup: populate_vma_page_range, "trigger COW to avoid major fault on access"; 6.1 and
      // 6.12), each VMA on its own, up to its first page wholly beyond EOF; errors are ignored.
      long pages = model.roundUpPage(m.length()) / model.page();
      for (long p = m.firstLocked(0, pages); p >= 0; ) {
        long end = p;
        while (end < pages && m.locked(end)) {
          end++;
        }
        model.populate(m, p, end);
        p = m.firstLocked(end, pages);
      }
    }
    return Expected.ok(0, "R5 mprotect" + (m.firstLocked(0, Long.MAX_VALUE) >= 0 ? " (R79: locked pages of a"
        + " private mapping made writable are copied on write)" : ""));
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    SysResult s = x.kernel().mprotect(r.address(), r.length(), prot);
    if (!s.failed()) {
      x.protectionChanged(map, prot);
    }
    return Outcome.of(s, false);
  }

  public static Op generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null || g.model().anyMaybeOnDevice(m)) {
      // R93/R115: mprotect erases the mirror's entry of a page that stays in device memory, and test_hmm's
      // next device access of it oopses or warns (a known test_hmm bug, corpus/reproducers
      // kernel-6.1-tmpfs-test-hmm-*): not generated, so that campaigns (whose device views read every
      // page) find other things than that crash.
      return null;
    }
    int p = g.nextInt(10);
    return new Mprotect(m.id(), p < 6 ? Prot.READ_WRITE : p < 9 ? Prot.READ : Prot.NONE);
  }

  /** Every page of the mapping. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map));
  }
}
