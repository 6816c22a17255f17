package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;

/**
 * HMM_DMIRROR_CHECK_EXCLUSIVE of {@code pages} pages at {@code offset}: EPERM while this device's mirror
 * still holds an atomic entry in the range (lib/test_hmm.c dmirror_check_atomic; each mirror fd has its
 * own table, R91). Any invalidation of the
 * page erases the entry: a CPU or device fault on it, mprotect, munmap, truncate (the model clears its
 * "may be exclusive" mark on those), and also hole punching or reflink over the file range, after which
 * the model still allows both answers.
 */
public record CheckExclusive(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  @Override
  public Expected model(Model model, int index) {
    Expected early = DeviceRange.precheck(model, map, offset, pages);
    if (early != null) {
      return early;
    }
    ModelMapping m = model.liveMapping(map);
    Expected none = Expected.ok(0, "check-exclusive: no atomic entry in the range");
    for (int p = 0; p < pages; p++) {
      if (model.maybeExclusive(m, offset / model.page() + p, device)) {
        return Expected.error(Errno.EPERM, "check-exclusive: the device holds a page exclusively").or(none);
      }
    }
    return none;
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.CHECK_EXCLUSIVE;
  }

  public static Op generate(Generation g) {
    return DevicePages.generate(g, CheckExclusive::new);
  }
}
