package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * One operation of a program: an immutable record whose components are its arguments, with everything
 * it knows about itself beside it: its model rule ({@link #model}), its executor ({@link #execute}; the
 * C executor's function of the same name in hmm_program.h), its generator ({@code static Op
 * generate(Generation)}), its validity in a program ({@link #problem}), the resources it makes and ends,
 * its footprint and the bytes it reads. Adding an intercept point is one record here plus one constant
 * in {@link OpKind} (its generator and default weight); printing, parsing, validation, generation,
 * shrinking and the executors' wire format follow from those.
 */
public sealed interface Op
    permits Open, Close, Mmap, Munmap, Mprotect, Load, Store, Pwrite, Pread, Ftruncate, Fsync, Msync, Reflink,
    Clone, CopyFileRange, Dedupe, PunchHole, ZeroRange, Fallocate, CollapseRange, InsertRange, Madvise, Mremap,
    Mlock, Munlock, Fork, DropCaches, DevicePages {

  /** The model rule: the allowed outcomes, and the model state advanced as the op dictates. */
  Expected model(Model model, int index);

  /** The executor: the op issued against a real kernel. */
  Outcome execute(Execution x, int index);

  /**
   * Why this op cannot stand where it is, given the program before it ({@code layout} resolves its
   * mappings, all made and live at this point): its arguments outside {@link Bounds}; null if it can.
   * Whether the files and mappings it names exist is checked for every op by the program.
   */
  default String problem(Layout layout) {
    return null;
  }

  /**
   * The size {@code file}'s open would have if this op, the first to change the file after an open of
   * {@code size} bytes, were folded into that open (the shrinker's way out of minima that single-op
   * steps cannot leave: {@code open f size=0; pwrite f 0x0 0x10} becomes {@code open f size=0x10});
   * -1 where this op cannot be folded.
   */
  default long foldedSize(FileId file, long size) {
    return -1;
  }

  /** The file or mapping this op makes (a FileId or MapId), which later ops may name; null for most. */
  default Object makes() {
    return null;
  }

  /**
   * The mappings this op gives a shape, given the program before it ({@code layout}): each as an
   * {@link Mmap} of its file range as it then stands (mmap: its own; mremap: the mapping it resized or
   * moved, and the second mapping it makes). Exact to the page, which is what {@link Bounds} checks;
   * none for most ops.
   */
  default List<Mmap> shapes(Layout layout) {
    return List.of();
  }

  /**
   * The mapping this op may leave split into several VMAs for good, given the program before it (mlock
   * or munlock of part of it, R79), which mremap then does not move ({@link Layout#maybeSplit}); null
   * for most ops.
   */
  default MapId splits(Layout layout) {
    return null;
  }

  /** The file or mapping this op ends (closes, unmaps): no later op may name it; null for most. */
  default Object ends() {
    return null;
  }

  /** Where the bytes of the op's own outcome come from: a file and the offset of their first byte. */
  record Source(FileId file, long offset) {}

  /** The file bytes this op hands back in its outcome (a load, a pread, a device read); null if none. */
  default Source reads(Layout layout) {
    return null;
  }

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
   * The pages this op acts on, given the program before it: its {@link #footprint}'s file pages unless
   * it says otherwise (ops on a mapping name their range of it, so that anonymous memory counts too).
   * Whether it reached them is its outcome's to say: the campaign counts an op that ended in an error as
   * having met nothing.
   */
  default List<Pages> pages(Layout layout) {
    return footprint(layout).stream().map(f -> Pages.ofFile(f.file(), f.from(), f.to())).toList();
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

  /** The op's name in the outcome counts (Tally): its kind's, unless an argument sets it apart. */
  default String tallyName() {
    return kind().id();
  }

  default OpKind kind() {
    return OpKind.of(this);
  }
}
