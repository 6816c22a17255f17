package io.hmmfuzz.core.exec;

/** The commands of the kernel's test_hmm device mirror (lib/test_hmm_uapi.h), by name. */
public enum DeviceCommand {
  READ, WRITE, MIGRATE_TO_DEV, MIGRATE_TO_SYS, SNAPSHOT, EXCLUSIVE, CHECK_EXCLUSIVE
}
