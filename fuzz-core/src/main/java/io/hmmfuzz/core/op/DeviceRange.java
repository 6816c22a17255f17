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
    if (model.caps().dax()) {
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
}
