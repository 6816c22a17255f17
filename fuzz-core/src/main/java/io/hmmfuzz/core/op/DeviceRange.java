package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;

/** The checks every test_hmm ioctl makes before its command runs (R33), and migration's VMA checks. */
final class DeviceRange {
  private DeviceRange() {}

  /** The outcome decided before the command runs: the mapping is not live, or R33's EINVAL; else null. */
  static Expected precheck(Model model, MapId map, long offset, int pages) {
    return model.liveMapping(map) == null ? Expected.notLive() : invalid(model, offset, pages);
  }

  /**
   * R38/R39 (lib/test_hmm.c dmirror_migrate_to_device/_to_system, mm/migrate_device.c
   * migrate_vma_setup 6.1): a VMA without VM_READ, or a DAX VMA, is EINVAL; else null.
   */
  static Expected migrationRefused(Model model, ModelMapping m, String rule) {
    if (!m.prot().readable()) {
      return Expected.error(Errno.EINVAL, rule + ": VMA without VM_READ");
    }
    if (model.dax(m)) {
      return Expected.error(Errno.EINVAL, rule + ": migrate_vma_setup refuses vma_is_dax (mm/migrate_device.c 6.1)");
    }
    return null;
  }

  /**
   * R33 (lib/test_hmm.c dmirror_fops_unlocked_ioctl): an unaligned address, or npages 0, is EINVAL;
   * null if the range passes.
   */
  static Expected invalid(Model model, long offset, int pages) {
    if (offset % model.page() != 0 || pages == 0) {
      return Expected.error(Errno.EINVAL, "R33 test_hmm: unaligned address or npages 0");
    }
    return null;
  }

  /** A generated device command's range: page {@code page} of the mapping, at {@code offset}. */
  record Pages(MapId map, long page, long offset, int pages) {}

  /**
   * Pages of a live mapping from a random page on; a share deliberately unaligned, a share of zero
   * pages (R33's EINVAL paths).
   */
  static Pages generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null) {
      return null;
    }
    int page = g.page();
    int pagesInMap = (int) (g.model().roundUpPage(m.length()) / page);
    long pg = g.nextInt(pagesInMap);
    long off = g.invalid() && g.nextInt(2) == 0 ? pg * page + 1 + g.nextInt(page - 1) : pg * page;
    int n = Math.min(1 + g.nextInt((int) (pagesInMap - pg)), (int) ((pagesInMap * (long) page - off) / page));
    if (g.invalid() && g.nextInt(3) == 0) {
      n = 0;
    }
    return new Pages(m.id(), pg, off, n);
  }
}
