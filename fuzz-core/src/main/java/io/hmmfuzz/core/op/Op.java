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

  /**
   * The bytes of a file this op writes with its own tag pattern ({@link Tag#byteAt} of its index), so
   * that a report can name the op stale bytes came from; null for ops that write no pattern.
   */
  default Footprint tagged(Layout layout, int pageSize) {
    return null;
  }

  /**
   * What this op's written bytes are called in a signature ({@code stale-pwrite}): ops that write the
   * same way share a name, so that folding a pwrite into an open keeps the signature.
   */
  default String dataSource() {
    return kind().id();
  }

  /**
   * Bytes this op carries from one file to another (reflink, clone), so that a report follows a pattern
   * through them; null for other ops.
   *
   * @param length bytes carried at most ({@code Long.MAX_VALUE - from} where the op takes all to EOF)
   */
  record Carry(FileId dst, long dstFrom, FileId src, long srcFrom, long length) {}

  default Carry carried() {
    return null;
  }

  default OpKind kind() {
    return OpKind.of(this);
  }
}
