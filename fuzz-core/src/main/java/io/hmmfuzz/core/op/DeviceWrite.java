package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * HMM_DMIRROR_WRITE of one page of tagged bytes at {@code offset} of the mapping: a CPU write fault
 * followed by a store of the whole page (R35). One page per op keeps the outcome exact: a failing
 * multi-page write may leave earlier pages written or copied on write (U5).
 */
public record DeviceWrite(MapId map, long offset, @Defaulted int device) implements DevicePages {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    if (offset % model.page() != 0) {
      return Expected.error(Errno.EINVAL, "R33 test_hmm: unaligned address");
    }
    if (!m.prot().readable()) {
      return Expected.error(Errno.EFAULT, "R35 hmm_vma_walk_test: VMA without VM_READ");
    }
    if (!m.prot().writable()) {
      return Expected.error(Errno.EPERM, "R35 hmm_vma_fault: write fault on a VMA without VM_WRITE");
    }
    if (model.faultAt(m, offset, true) != Signal.NONE) {
      return Expected.error(Errno.EFAULT, "R35 hmm_vma_fault: page wholly beyond EOF (VM_FAULT_SIGBUS)");
    }
    model.store(m, offset, model.page(), index, device);
    return Expected.ok(1, "R35 device write = write fault + store of the page (COW on MAP_PRIVATE)");
  }

  /** One page. */
  @Override
  public int pages() {
    return 1;
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.WRITE;
  }

  /** The page written holds this op's pattern for the file offsets it maps. */
  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    return x.device(device, map, DeviceCommand.WRITE, offset, 1, Tag.bytes(index, r.fileOffset() + offset, x.pageSize()));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + 4096, 'W'));
  }

  @Override
  public Footprint tagged(Layout layout, int pageSize) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? null : new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + pageSize, 'W');
  }

  /**
   * A device write's bytes are a store's: test_hmm's write faults the page in for writing and the kernel
   * stores into it through the same page (R35), so a bug that leaks stored bytes leaks these the same way.
   */
  @Override
  public String dataSource() {
    return OpKind.STORE.id();
  }

  /**
   * One page, at a page boundary even where the range drawn is unaligned, through a device that cannot
   * meet test_hmm's own Oops or WARNING there (R93's hazard, {@link DeviceRange#safeDevice}).
   */
  public static Op generate(Generation g) {
    DeviceRange.Pages r = DeviceRange.generate(g);
    if (r == null) {
      return null;
    }
    long offset = r.offset() % g.page() == 0 ? r.offset() : r.page() * g.page();
    int device = DeviceRange.safeDevice(g.model(), g.model().liveMapping(r.map()), offset, 1, r.device(), true);
    return device < 0 ? null : new DeviceWrite(r.map(), offset, device);
  }
}
