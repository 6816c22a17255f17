package io.hmmfuzz.core.exec;

/** msync(2) flag combinations the fuzzer issues, including one the kernel must reject. */
public enum MsyncMode {
  ASYNC, SYNC, INVALIDATE, SYNC_INVALIDATE,
  /** MS_SYNC|MS_ASYNC: EINVAL (R4, mm/msync.c). */
  SYNC_ASYNC
}
