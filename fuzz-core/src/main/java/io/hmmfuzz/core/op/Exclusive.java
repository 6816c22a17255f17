package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import java.util.List;

/**
 * HMM_DMIRROR_EXCLUSIVE of {@code pages} pages at {@code offset}: the device asks for exclusive
 * (atomic) access. 6.1 (lib/test_hmm.c dmirror_exclusive, mm/rmap.c make_device_exclusive_range):
 * get_user_pages_remote with FOLL_WRITE write-faults the pages in order, stopping at the first it
 * cannot fault (no VM_WRITE, beyond EOF); only anonymous pages can be made exclusive
 * (folio_make_device_exclusive); unless every page was, the ioctl fails with EBUSY. The write faults
 * stay either way: a MAP_PRIVATE page is copied on write. A page held exclusively through the other
 * device's mirror is write-faulted like any (its entry restored, R92: remove_device_exclusive_entry's
 * MMU_NOTIFY_EXCLUSIVE has no owner, so every mirror's atomic entry for it goes), then made exclusive
 * to this one: the other mirror's CHECK_EXCLUSIVE is then 0 for certain. Same in 6.1.192 and 6.12.
 */
public record Exclusive(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  @Override
  public Expected model(Model model, int index) {
    Expected early = DeviceRange.precheck(model, map, offset, pages);
    if (early != null) {
      return early;
    }
    ModelMapping m = model.liveMapping(map);
    int page = model.page();
    int faulted = 0;
    for (int p = 0; p < pages; p++) {
      long off = offset + (long) p * page;
      if (model.faultAt(m, off, true) != Signal.NONE) {
        break;
      }
      model.writeFault(m, off / page);
      faulted++;
    }
    if (m.sharing() == Sharing.PRIVATE) {
      // R92/R121: every page the walk took may now have a device-exclusive PTE, also where the ioctl
      // then fails (the mirror maps none of them then, but the PTEs stay).
      for (int p = 0; p < faulted; p++) {
        model.markMaybeExclusivePte(m, offset / page + p);
      }
    }
    if (faulted < pages) {
      return Expected.error(Errno.EBUSY, "exclusive: get_user_pages(FOLL_WRITE) stopped at page " + faulted
          + " (no VM_WRITE or beyond EOF)");
    }
    if (m.sharing() != Sharing.PRIVATE) {
      return Expected.error(Errno.EBUSY, "exclusive: page-cache pages are never made exclusive (folio_test_anon)");
    }
    for (int p = 0; p < pages; p++) {
      model.markMaybeExclusive(m, offset / page + p, device);
    }
    return Expected.ok(pages, model.visible(m, offset, pages * page),
        "exclusive: every page an anonymous private copy, made exclusive; the read-back is what the CPU sees");
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.EXCLUSIVE;
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), mm.offset() + offset, mm.offset() + offset + pages * 4096L, 'R'));
  }

  public static Op generate(Generation g) {
    return DevicePages.generate(g, Exclusive::new);
  }
}
