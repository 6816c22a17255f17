package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;

/**
 * HMM_DMIRROR_RELEASE through device {@code device}'s mirror (R90; lib/test_hmm.c
 * dmirror_fops_unlocked_ioctl, dmirror_device_remove_chunks, the same in 6.1.192 and 6.12): the device
 * gives back all its memory. Every page living in it, in any mapping, migrates back to system memory
 * with its content (dmirror_device_evict_chunk: migrate_device_range, copy_highpage of the backing page,
 * migrate_device_pages, migrate_device_finalize), then the chunks are freed; a later migration allocates
 * a chunk again. The address and the page count only pass test_hmm's common checks (R33).
 */
public record Release(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  /**
   * R33 first (an unaligned address or npages 0 is EINVAL, before the command is looked at); then, on a
   * kernel whose test_hmm has no RELEASE, the unknown command's EINVAL (the switch's default; RELEASE is
   * in test_hmm's UAPI from 6.1 on, read in 6.1.192's lib/test_hmm_uapi.h, and older ones numbered the
   * commands otherwise). Known from the release, never from the kernel's answer. Else 0, cpages 0, and the
   * device's pages are back in system memory (the eviction's try_to_migrate fires MMU_NOTIFY_CLEAR,
   * which every mirror obeys, so no mirror keeps an entry for them). Pages on the other device and atomic
   * entries stay.
   */
  @Override
  public Expected model(Model model, int index) {
    Expected early = DeviceRange.precheck(model, map, offset, pages);
    if (early != null) {
      return early;
    }
    if (!model.caps().kernel().atLeast(6, 1)) {
      return Expected.error(Errno.EINVAL, "R90: test_hmm before 6.1 has no HMM_DMIRROR_RELEASE (unknown command)");
    }
    model.released(device);
    return Expected.ok(0, "R90 release: the device's pages migrate back to system memory, cpages 0");
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.RELEASE;
  }

  /**
   * Over a generated range, through a device whose memory may hold pages two times in three where one
   * may (a release of an empty device only checks R33); none through a device whose release may hang
   * ({@link io.hmmfuzz.core.model.Model#releaseMayHang}).
   */
  public static Op generate(Generation g) {
    DeviceRange.Pages r = DeviceRange.generate(g);
    if (r == null) {
      return null;
    }
    int holding = g.model().devicesWithPages();
    int device = r.device();
    if (holding != 0 && g.nextInt(3) != 0) {
      device = DeviceRange.nthBit(holding, g.nextInt(Integer.bitCount(holding)));
    }
    // R121: not where the release may hang the kernel (a coherent page held exclusive).
    return g.model().releaseMayHang(device) ? null : new Release(r.map(), r.offset(), r.pages(), device);
  }
}
