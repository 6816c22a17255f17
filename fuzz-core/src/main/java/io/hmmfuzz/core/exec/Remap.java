package io.hmmfuzz.core.exec;

/**
 * The ways the fuzzer calls mremap(2) on a whole file mapping (R82-R86). Each is a set of flags and a
 * choice of old length and destination; the numbers are platform data (LinuxAbi; MREMAP_* by name in
 * the C executor).
 */
public enum Remap {
  /** flags 0, old_len the mapping's length: shrinks in place (R83); a new length of more pages is not generated. */
  SHRINK,
  /** MREMAP_MAYMOVE, old_len the mapping's length: grows in place where the next gap allows, else moves (R83, R84). */
  GROW,
  /**
   * MREMAP_MAYMOVE|MREMAP_FIXED, old_len the mapping's length, new_addr a fresh PROT_NONE anonymous
   * reservation of the new length that the call unmaps and replaces (R82 step 8.5, R84); the
   * reservation is unmapped again where the call fails.
   */
  MOVE,
  /** MREMAP_MAYMOVE|MREMAP_DONTUNMAP, new_addr 0 (a hint): the pages move, the old VMA stays, empty (R85). */
  DONTUNMAP,
  /** MREMAP_MAYMOVE with old_len 0: a second mapping of the same file offset; EINVAL on private mappings (R86). */
  DUPLICATE
}
