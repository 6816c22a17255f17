package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import java.util.List;

/**
 * HMM_DMIRROR_READ of {@code pages} pages at {@code offset} of the mapping: the device mirror faults
 * them like CPU reads (hmm_range_fault) and returns what the CPU would read (R34, R40a).
 */
public record DeviceRead(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  /**
   * The rule, and where the read succeeds, what its faults did to the other device's pages and atomic
   * entries (R92, R93: {@link Model#deviceRead}).
   */
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    Expected e = rule(model, m, offset, pages);
    if (e.status() == io.hmmfuzz.core.model.Outcome.Status.OK) {
      model.deviceRead(m, offset, (long) pages * model.page(), device);
    }
    return e;
  }

  /**
   * R33/R34 (lib/test_hmm.c dmirror_fops_unlocked_ioctl, dmirror_read; mm/hmm.c), through either device
   * (the data is the CPU's either way), with no change to the model: the device views read through device
   * 0 with it. A device read leaves an atomic entry of its own mirror in place: dmirror_do_read copies
   * every page the mirror holds, atomic ones included, without hmm_range_fault, and faults only from the
   * first page it lacks on, which may restore an exclusive entry further on. Which pages the mirror holds
   * is hidden from the model, so a page that may be exclusive stays so (seen on 6.1.192: exclusive, dread,
   * check-exclusive is EPERM).
   */
  public static Expected rule(Model model, ModelMapping m, long offset, int pages) {
    int page = model.page();
    if (offset % page != 0 || pages == 0) {
      return Expected.error(Errno.EINVAL, "R33 test_hmm: unaligned address or npages 0");
    }
    if (!m.prot().readable()) {
      return Expected.error(Errno.EFAULT, "R34 hmm_vma_walk_test: VMA without VM_READ");
    }
    for (int p = 0; p < pages; p++) {
      if (model.faultAt(m, offset + (long) p * page, false) != io.hmmfuzz.core.Signal.NONE) {
        return Expected.error(Errno.EFAULT, "R34 hmm_vma_fault: page wholly beyond EOF (VM_FAULT_SIGBUS)");
      }
    }
    return Expected.ok(pages, model.visible(m, offset, pages * page), "R34/R40a the device reads what the CPU reads");
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.READ;
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + pages * 4096L, 'R'));
  }

  public static Op generate(Generation g) {
    return DevicePages.generate(g, DeviceRead::new);
  }
}
