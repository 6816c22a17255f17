package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;

/**
 * HMM_DMIRROR_MIGRATE_TO_DEV of {@code pages} pages at {@code offset} of the mapping (R38): anonymous
 * pages (the private copies of a MAP_PRIVATE mapping) move to the device's private memory, page-cache
 * and DAX pages stay, and the driver then reads the whole range back through its mirror.
 */
public record Migrate(MapId map, long offset, int pages) implements Op, DevicePages {
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
        model.markMaybeOnDevice(m, idx);
      } else if (model.copied(m, idx)) {
        model.markMaybeOnDevice(m, idx);
      }
    }
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
  public Outcome execute(Execution x, int index) {
    return x.device(map, DeviceCommand.MIGRATE_TO_DEV, offset, pages, null);
  }

  public static Op generate(Generation g) {
    DeviceRange.Pages r = DeviceRange.generate(g);
    return r == null ? null : new Migrate(r.map(), r.offset(), r.pages());
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.devicePages(offset, pages, layout.mmapOf(map));
  }

  @Override
  public Source reads(Layout layout) {
    Mmap m = layout.mmapOf(map);
    return m.file() == null ? null : new Source(m.file(), m.offset() + offset);
  }
}
