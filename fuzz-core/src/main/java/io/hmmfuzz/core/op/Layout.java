package io.hmmfuzz.core.op;

/**
 * Resolves a mapping of a program to its shape: the mmap op that made it (or, for a mapping mremap made,
 * that mapping as an mmap of the same file range), with the length the mremaps before this point gave
 * it. A mapping keeps its file and file offset for life; only its length changes (R83-R86).
 */
@FunctionalInterface
public interface Layout {
  Mmap mmapOf(MapId id);

  /** Whether an op before this point may have left the mapping split into several VMAs ({@link Op#splits}). */
  default boolean maybeSplit(MapId id) {
    return false;
  }
}
