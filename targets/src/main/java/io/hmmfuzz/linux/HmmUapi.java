package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.DeviceCommand;

/**
 * lib/test_hmm_uapi.h (Linux 6.1) as data: the ioctl numbers and struct hmm_dmirror_cmd's layout.
 * {@code _IOWR('H', nr, struct hmm_dmirror_cmd)} = (3 << 30) | (40 << 16) | ('H' << 8) | nr.
 */
final class HmmUapi {
  private HmmUapi() {}

  /** The char device of mirror device {@code device} (lib/test_hmm.c names them hmm_dmirror%u). */
  static String device(int device) {
    return "/dev/hmm_dmirror" + device;
  }
  /** struct hmm_dmirror_cmd { __u64 addr, ptr, npages, cpages, faults; }. */
  static final int CMD_SIZE = 40;
  static final int ADDR = 0;
  static final int PTR = 8;
  static final int NPAGES = 16;
  static final int CPAGES = 24;
  static final int FAULTS = 32;

  private static long iowr(int nr) {
    return (3L << 30) | ((long) CMD_SIZE << 16) | ('H' << 8) | nr;
  }

  static long ioctl(DeviceCommand c) {
    return switch (c) {
      case READ -> iowr(0x00);
      case WRITE -> iowr(0x01);
      case MIGRATE_TO_DEV -> iowr(0x02);
      case MIGRATE_TO_SYS -> iowr(0x03);
      case SNAPSHOT -> iowr(0x04);
      case EXCLUSIVE -> iowr(0x05);
      case CHECK_EXCLUSIVE -> iowr(0x06);
      case RELEASE -> iowr(0x07);
    };
  }
}
