package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;

/**
 * HMM_DMIRROR_MIGRATE_TO_SYS of {@code pages} pages at {@code offset} (R39): every page of the range in
 * this device's private memory comes back to system memory; cpages counts them. The other device's
 * pages stay (migrate_vma_collect_pmd selects a device-private page only where its pgmap owner is the
 * caller, R93), and the migration's notifier drops the other mirror's atomic entries over the range.
 */
public record MigrateBack(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  @Override
  public Expected model(Model model, int index) {
    Expected early = DeviceRange.precheck(model, map, offset, pages);
    if (early != null) {
      return early;
    }
    ModelMapping m = model.liveMapping(map);
    Expected refused = DeviceRange.migrationRefused(model, m, "R39 dmirror_migrate_to_system");
    if (refused != null) {
      return refused;
    }
    int page = model.page();
    int onDevice = 0;
    for (int p = 0; p < pages; p++) {
      long idx = offset / page + p;
      if (model.maybeOnDevice(m, idx, device)) {
        onDevice++;
        if (!model.maybeExclusivePte(m, idx)) {
          // A page behind a device-exclusive PTE is not collected (migrate_vma_collect_pmd selects no
          // such entry): it may stay (R121).
          model.backFromDevice(m, idx, device);
        }
      }
    }
    model.migrationNotified(m, offset, (long) pages * page, device);
    // cpages counts the pages that were on the device; which of the "may be" pages were is hidden.
    Expected e = Expected.ok(onDevice, "R39 cpages = pages migrated back");
    for (int k = onDevice - 1; k >= 0; k--) {
      e = e.or(Expected.ok(k, "R39 cpages = pages migrated back"));
    }
    return e;
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.MIGRATE_TO_SYS;
  }

  public static Op generate(Generation g) {
    return DevicePages.generate(g, MigrateBack::new);
  }
}
