package io.hmmfuzz.linux;

import io.hmmfuzz.core.exec.DeviceCommand;

/**
 * lib/test_hmm_uapi.h (Linux 6.1) as data: the ioctl numbers and struct hmm_dmirror_cmd's layout.
 * {@code _IOWR('H', nr, struct hmm_dmirror_cmd)} = (3 << 30) | (40 << 16) | ('H' << 8) | nr.
 */
public final class HmmUapi {
  private HmmUapi() {}

  /**
   * Where the tool's guests put test_hmm's device-coherent memory (R121): 512 MiB of the guest's RAM at
   * 2 GiB, reserved from the kernel (memmap=nn$ss: e820 "Reserved", never System RAM, so
   * memremap_pages accepts it), one 256 MiB chunk (DEVMEM_CHUNK_SIZE) per device; test_hmm (built in)
   * then makes /dev/hmm_dmirror2 and 3 with that memory (lib/test_hmm.c hmm_dmirror_init).
   */
  public static final String COHERENT_BOOT_ARGS =
      "memmap=512M$0x80000000 test_hmm.spm_addr_dev0=0x80000000 test_hmm.spm_addr_dev1=0x90000000";

  /** Where test_hmm shows its module parameters (a built-in's too). */
  public static final String PARAMETERS = "/sys/module/test_hmm/parameters/";

  /**
   * Whether test_hmm made its device-coherent devices, from its parameters' values as read from
   * {@link #PARAMETERS} (null where unreadable): exactly when both spm_addr_dev0 and spm_addr_dev1 are
   * set (lib/test_hmm.c hmm_dmirror_init, 6.1 and 6.12).
   */
  public static boolean coherentDevices(String spmAddrDev0, String spmAddrDev1) {
    return set(spmAddrDev0) && set(spmAddrDev1);
  }

  private static boolean set(String parameter) {
    if (parameter == null) {
      return false;
    }
    try {
      return Long.parseUnsignedLong(parameter.trim()) != 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

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
