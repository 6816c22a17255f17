package io.hmmfuzz.core.exec;

/**
 * madvise(2) advice the fuzzer issues on file mappings (R60-R67). The numbers are platform data: the
 * targets map them (LinuxAbi; MADV_* by name in the C executor). MADV_FREE (EINVAL on every file
 * mapping, R62) and MADV_COLLAPSE are left out.
 */
public enum Advice {
  /** MADV_DONTNEED: the range's page-table entries go, private copies with them (R61). */
  DONTNEED,
  /** MADV_REMOVE: a hole punched in the file under a shared writable mapping (R63). */
  REMOVE,
  /** MADV_COLD: pages deactivated, nothing else (R65). */
  COLD,
  /** MADV_PAGEOUT: pages reclaimed where the kernel can (R66). */
  PAGEOUT,
  /** MADV_WILLNEED: readahead (R64). */
  WILLNEED,
  /** MADV_POPULATE_READ: read faults over the range (R67). */
  POPULATE_READ,
  /** MADV_POPULATE_WRITE: write faults over the range (R67). */
  POPULATE_WRITE
}
