package io.hmmfuzz.core.exec;

/** The commands of the kernel's test_hmm device mirror (lib/test_hmm_uapi.h), by name. */
public enum DeviceCommand {
  READ, WRITE, MIGRATE_TO_DEV, MIGRATE_TO_SYS, SNAPSHOT, EXCLUSIVE, CHECK_EXCLUSIVE, RELEASE;

  /** Whether the command hands back the pages' bytes (READ, and the read-back of MIGRATE_TO_DEV and EXCLUSIVE). */
  public boolean returnsPages() {
    return this == READ || this == MIGRATE_TO_DEV || this == EXCLUSIVE;
  }

  /** Whether the command hands back a buffer: the pages' bytes, or SNAPSHOT's byte per page. */
  public boolean returnsBuffer() {
    return returnsPages() || this == SNAPSHOT;
  }
}
