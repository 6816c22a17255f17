package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;

/**
 * HMM_DMIRROR_MIGRATE_TO_DEV of {@code pages} pages at {@code offset} of the mapping (R38): anonymous
 * pages (the private copies of a MAP_PRIVATE mapping) move to the device's private memory, page-cache
 * and DAX pages stay, and the driver then reads the whole range back through its mirror. A page on the
 * other device's memory stays there (migrate_vma_collect_pmd selects only system pages, R93), and its
 * read-back finds no entry (ENOENT); the migration's notifier drops the other mirror's atomic entries
 * over the range ({@link Model#migrationNotified}).
 */
public record Migrate(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  @Override
  public Expected model(Model model, int index) {
    Expected early = DeviceRange.precheck(model, map, offset, pages);
    if (early != null) {
      return early;
    }
    ModelMapping m = model.liveMapping(map);
    Expected refused = DeviceRange.migrationRefused(model, m, "R38 dmirror_migrate_to_device");
    if (refused != null) {
      return refused;
    }
    int page = model.page();
    boolean beyondEof = false;
    for (int p = 0; p < pages; p++) {
      long idx = offset / page + p;
      if (model.faultAt(m, idx * page, false) == Signal.SIGBUS) {
        beyondEof = true;
      } else if (m.anonymous() && m.sharing() == Sharing.PRIVATE) {
        // R38/R110: every page of a private anonymous VMA migrates, one never written as a zeroed page
        // the migration inserts (migrate_vma_collect_hole, migrate_vma_insert_page).
        model.materialize(m, idx);
        model.markMaybeOnDevice(m, idx, device);
      } else if (model.copied(m, idx)) {
        model.markMaybeOnDevice(m, idx, device);
      }
    }
    model.migrationNotified(m, offset, (long) pages * page, device);
    Expected noEntry = Expected.error(Errno.ENOENT,
        "R38 a page neither migrated nor still mirrored: dmirror_do_read finds no entry");
    if (beyondEof) {
      return Expected.error(Errno.ENOENT,
          "R38 a page wholly beyond EOF has no PTE to migrate, and truncate erased its mirror entry");
    }
    // Whether the mirror still holds an unmigrated page depends on invalidations the model cannot see
    // (writeback, reclaim); a private copy may also fail to migrate (migrate_vma_unmap isolates it
    // from the LRU, and lru_add_drain only drains this CPU's batch).
    return Expected.ok(pages, model.visible(m, offset, pages * page),
        "R38 every page migrated or still mirrored: the read-back is what the CPU sees").or(noEntry);
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.MIGRATE_TO_DEV;
  }

  /**
   * Half the time, where a private mapping has copied pages, one of them (the only pages that migrate,
   * R38: the device then holds a page for the other ops to compete for); else over a generated range.
   */
  public static Op generate(Generation g) {
    if (g.nextInt(2) == 0) {
      java.util.List<long[]> copies = new java.util.ArrayList<>();
      java.util.List<ModelMapping> maps = g.liveMappings();
      for (int i = 0; i < maps.size(); i++) {
        ModelMapping m = maps.get(i);
        for (long p = 0; p * g.page() < m.length(); p++) {
          if (g.model().copied(m, p)) {
            copies.add(new long[] {i, p});
          }
        }
      }
      if (!copies.isEmpty()) {
        long[] c = copies.get(g.nextInt(copies.size()));
        return new Migrate(maps.get((int) c[0]).id(), c[1] * g.page(), 1, DeviceRange.device(g));
      }
    }
    return DevicePages.generate(g, Migrate::new);
  }
}
