package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * One operation of a program: an immutable record whose components are its arguments, with its model
 * rule and its executor beside it. Adding an intercept point is one record here plus one constant in
 * {@link OpKind}; printing, parsing and generation weights follow from those.
 */
public sealed interface Op
    permits Open, Close, Mmap, Munmap, Mprotect, Load, Store, Pwrite, Pread, Ftruncate, Fsync, Msync, Reflink,
    Clone, PunchHole, ZeroRange, DeviceRead, DeviceWrite, Snapshot, Migrate, MigrateBack, Exclusive, CheckExclusive {

  /** The model rule: the allowed outcomes, and the model state advanced as the op dictates. */
  Expected model(Model model, int index);

  /** The executor: the op issued against a real kernel. */
  Outcome execute(Execution x, int index);

  /** Files the op names: its FileId components, in order. */
  default List<FileId> files() {
    return kind().resources(this, FileId.class);
  }

  /** Mappings the op names: its MapId components. */
  default List<MapId> mappings() {
    return kind().resources(this, MapId.class);
  }

  /** The bytes of files the op touches, for report markers; none by default. */
  default List<Footprint> footprint(Layout layout) {
    return List.of();
  }

  default OpKind kind() {
    return OpKind.of(this);
  }
}
