package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Outcome;

/**
 * A test_hmm command over {@code pages} pages at {@code offset} of a mapping, through the mirror of
 * device {@code device} ({@code /dev/hmm_dmirror<device>}): the device ops' shared base. What every
 * device op does alike is here: its executor (the command through that device's mirror, test_hmm's
 * buffer handed back where the command fills one), its bounds (at most {@link Bounds#MAX_DEVICE_PAGES}
 * pages inside the mapping, one of {@link #DEVICES} devices), the file bytes it reads back, its name in
 * the outcome counts and its generator's range ({@link #generate}). Each record keeps its own rule.
 */
public sealed interface DevicePages extends Op
    permits DeviceRead, DeviceWrite, Snapshot, Migrate, MigrateBack, Exclusive, CheckExclusive, Release {
  /**
   * The device mirrors programs may use: /dev/hmm_dmirror0 and /dev/hmm_dmirror1, the two DEVICE_PRIVATE
   * devices test_hmm always creates (R91, lib/test_hmm.c hmm_dmirror_init), and /dev/hmm_dmirror2 and
   * /dev/hmm_dmirror3, DEVICE_COHERENT, where the spm_addr_dev* module parameters made them (R121,
   * {@link io.hmmfuzz.core.exec.DeviceMemory}). Devices compete for the same pages: each has its own
   * memory, and each mirror fd its own table and notifier.
   */
  int DEVICES = io.hmmfuzz.core.exec.DeviceMemory.DEVICES;

  MapId map();

  long offset();

  int pages();

  /** Which device's mirror the command goes through (0 unless a reproducer names another). */
  int device();

  /** The test_hmm command the op issues. */
  DeviceCommand command();

  @Override
  default Outcome execute(Execution x, int index) {
    return x.device(device(), map(), command(), offset(), pages(), null);
  }

  @Override
  default String problem(Layout layout) {
    return Bounds.first(Bounds.range("device", device(), 0, DEVICES - 1),
        Bounds.devicePages(offset(), pages(), layout.mmapOf(map())));
  }

  /**
   * The pages' bytes, where the command hands them back (READ, and MIGRATE_TO_DEV's and EXCLUSIVE's
   * read-back) from a file: anonymous memory has no file to name.
   */
  @Override
  default Source reads(Layout layout) {
    Mmap m = layout.mmapOf(map());
    if (!command().returnsPages() || m.file() == null) {
      return null;
    }
    return new Source(m.file(), m.offset() + offset());
  }

  /** The pages the command spans, anonymous or of the mapping's file. */
  @Override
  default java.util.List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map(), layout.mmapOf(map()), offset(), pages() * Pages.SIZE);
  }

  /** Device 0's ops count under the kind's name, another device's apart ("dread device=1"). */
  @Override
  default String tallyName() {
    return device() == 0 ? kind().id() : kind().id() + " device=" + device();
  }

  /** A device op of one kind over a generated range. */
  @FunctionalInterface
  interface Maker {
    DevicePages make(MapId map, long offset, int pages, int device);
  }

  /**
   * An op of {@code make}'s kind over pages of a live mapping ({@link DeviceRange#generate}); null if none
   * is live. A read or write goes through the other device where the one drawn may meet test_hmm's own
   * Oops (R93's hazard, {@link DeviceRange#safeDevice}), and is not made where both may.
   */
  static Op generate(Generation g, Maker make) {
    DeviceRange.Pages r = DeviceRange.generate(g);
    if (r == null) {
      return null;
    }
    DevicePages op = make.make(r.map(), r.offset(), r.pages(), r.device());
    if (op.command() != DeviceCommand.READ) {
      return op;
    }
    int device = DeviceRange.safeDevice(g.model(), g.model().liveMapping(r.map()), r.offset(), r.pages(), r.device());
    return device < 0 ? null : device == r.device() ? op : make.make(r.map(), r.offset(), r.pages(), device);
  }
}
