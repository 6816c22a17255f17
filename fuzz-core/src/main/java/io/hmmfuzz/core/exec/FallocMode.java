package io.hmmfuzz.core.exec;

/** fallocate(2) modes the fuzzer issues. */
public enum FallocMode {
  /** FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE. */
  PUNCH_HOLE,
  /** FALLOC_FL_ZERO_RANGE (may extend the file). */
  ZERO_RANGE,
  /** FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE. */
  ZERO_RANGE_KEEP_SIZE
}
