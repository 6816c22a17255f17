package io.hmmfuzz.core.exec;

/** fallocate(2) modes the fuzzer issues. */
public enum FallocMode {
  /** FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE. */
  PUNCH_HOLE,
  /** FALLOC_FL_ZERO_RANGE (may extend the file). */
  ZERO_RANGE,
  /** FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE. */
  ZERO_RANGE_KEEP_SIZE,
  /** Mode 0: allocate, and extend the file. */
  ALLOCATE,
  /** FALLOC_FL_KEEP_SIZE: allocate without changing the size. */
  ALLOCATE_KEEP_SIZE,
  /** FALLOC_FL_COLLAPSE_RANGE. */
  COLLAPSE_RANGE,
  /** FALLOC_FL_INSERT_RANGE. */
  INSERT_RANGE,
  /** FALLOC_FL_UNSHARE_RANGE (may extend the file). */
  UNSHARE,
  /** FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE. */
  UNSHARE_KEEP_SIZE
}
