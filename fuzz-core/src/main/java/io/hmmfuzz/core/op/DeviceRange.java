package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.DeviceMemory;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import java.util.ArrayList;
import java.util.List;

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

  /**
   * A generated device command's range: page {@code page} of the mapping, at {@code offset}, through
   * device {@code device}'s mirror.
   */
  record Pages(MapId map, long page, long offset, int pages, int device) {}

  /**
   * Pages of a live mapping from a random page on; a share deliberately unaligned, a share of zero
   * pages (R33's EINVAL paths); through a device of {@link #device}. Half the time, where
   * some device may hold a page (in its memory or exclusively), that page, mostly through another
   * device: devices compete for the same pages (R91-R93, R121).
   */
  static Pages generate(Generation g) {
    Pages contended = g.nextInt(2) == 0 ? contended(g) : null;
    if (contended != null) {
      return contended;
    }
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
    return new Pages(m.id(), pg, off, n, device(g));
  }

  /**
   * A device to go through: of a pair (0 and 1, device-private; 2 and 3, device-coherent where the
   * target has them, R121, each pair half the time), its first two times in three.
   */
  static int device(Generation g) {
    int first = g.caps().coherentDevices() && g.nextBoolean() ? 2 : 0;
    return g.nextInt(3) == 0 ? DeviceMemory.partner(first) : first;
  }

  /** One page some device may hold, through another device two times in three; null if none is held. */
  private static Pages contended(Generation g) {
    Model model = g.model();
    List<ModelMapping> maps = new ArrayList<>();
    List<Long> pages = new ArrayList<>();
    for (ModelMapping m : g.liveMappings()) {
      for (long p : model.heldPages(m)) {
        maps.add(m);
        pages.add(p);
      }
    }
    if (pages.isEmpty()) {
      return null;
    }
    int k = g.nextInt(pages.size());
    ModelMapping m = maps.get(k);
    long pg = pages.get(k);
    int holders = model.holders(m, pg);
    int holder = nthBit(holders, g.nextInt(Integer.bitCount(holders)));
    int device = holder;
    if (g.nextInt(3) != 0) {
      // Another device: the holder's partner, or one with the other kind of memory where there is one.
      int others = ((1 << g.caps().devices()) - 1) & ~(1 << holder);
      device = nthBit(others, g.nextInt(Integer.bitCount(others)));
    }
    return new Pages(m.id(), pg, pg * g.page(), 1, device);
  }

  /** The index of the {@code n}th set bit of {@code bits}, from the lowest. */
  static int nthBit(int bits, int n) {
    for (int i = 0; i < n; i++) {
      bits &= bits - 1;
    }
    return Integer.numberOfTrailingZeros(bits);
  }

  /**
   * The device an op that faults pages through its mirror (READ, WRITE) goes through over [offset, +pages
   * pages) of m: {@code device}, else the other one, where the first may meet R93's hazard (a page in its
   * memory whose mirror entry was erased, or one after the range's first: test_hmm's own Oops,
   * {@link Model#deviceRangeHazard}); -1 where
   * both may.
   */
  static int safeDevice(Model model, ModelMapping m, long offset, int pages, int device) {
    return safeDevice(model, m, offset, pages, device, false);
  }

  /**
   * As above; for a {@code write}, also where the page may be in that device's memory while the mapping
   * is not writable or a fork write-protected the page (R113): the device-private entry is then
   * read-only (migrated from a read-only PTE, or made so by an mprotect or a fork, R93), hmm_range_fault reports it to its owner without the write it asked for, and
   * lib/test_hmm.c dmirror_do_fault's WARN_ON fires (seen on 6.1.192: corpus
   * kernel-6.1-tmpfs-test-hmm-device-write-to-readonly-device-page-warns.repro).
   */
  static int safeDevice(Model model, ModelMapping m, long offset, int pages, int device, boolean write) {
    for (int d : new int[] {device, DeviceMemory.partner(device)}) {
      boolean hazard = model.deviceRangeHazard(m, offset / model.page(), pages, d);
      for (int p = 0; p < pages && !hazard; p++) {
        long pg = offset / model.page() + p;
        // Device-private only: a device-coherent page is write-faulted as the CPU would (R121).
        hazard = write && (!m.prot().writable() || model.forkProtected(m, pg)) && model.maybeOnDevice(m, pg, d)
            && DeviceMemory.of(d) == DeviceMemory.PRIVATE;
      }
      if (!hazard) {
        return d;
      }
    }
    return -1;
  }
}
