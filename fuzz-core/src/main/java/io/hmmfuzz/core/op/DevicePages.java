package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Outcome;

/**
 * A test_hmm command over {@code pages} pages at {@code offset} of a mapping: the device ops' shared
 * base. What every device op does alike is here: its executor (the command through the mirror, test_hmm's
 * buffer handed back where the command fills one), its bounds (at most {@link Bounds#MAX_DEVICE_PAGES}
 * pages inside the mapping), the file bytes it reads back, and its generator's range ({@link
 * #generate}). Each record keeps its own rule.
 */
public sealed interface DevicePages extends Op
    permits DeviceRead, DeviceWrite, Snapshot, Migrate, MigrateBack, Exclusive, CheckExclusive {
  MapId map();

  long offset();

  int pages();

  /** The test_hmm command the op issues. */
  DeviceCommand command();

  @Override
  default Outcome execute(Execution x, int index) {
    return x.device(map(), command(), offset(), pages(), null);
  }

  @Override
  default String problem(Layout layout) {
    return Bounds.devicePages(offset(), pages(), layout.mmapOf(map()));
  }

  /** The pages' bytes, where the command hands them back (READ, and MIGRATE_TO_DEV's and EXCLUSIVE's read-back). */
  @Override
  default Source reads(Layout layout) {
    if (!command().returnsPages()) {
      return null;
    }
    Mmap m = layout.mmapOf(map());
    return new Source(m.file(), m.offset() + offset());
  }

  /** A device op of one kind over a generated range. */
  @FunctionalInterface
  interface Maker {
    DevicePages make(MapId map, long offset, int pages);
  }

  /** An op of {@code make}'s kind over pages of a live mapping ({@link DeviceRange#generate}); null if none is live. */
  static Op generate(Generation g, Maker make) {
    DeviceRange.Pages r = DeviceRange.generate(g);
    return r == null ? null : make.make(r.map(), r.offset(), r.pages());
  }
}
