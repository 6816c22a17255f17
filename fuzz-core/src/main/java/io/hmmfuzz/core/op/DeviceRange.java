package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;

/** The checks every test_hmm ioctl makes before its command runs (R33). */
final class DeviceRange {
  private DeviceRange() {}

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
