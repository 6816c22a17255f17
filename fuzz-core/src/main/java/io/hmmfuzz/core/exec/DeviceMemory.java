package io.hmmfuzz.core.exec;

/**
 * The kind of memory a test_hmm device has (lib/test_hmm.c hmm_dmirror_init, 6.1 and 6.12): devices 0
 * and 1 always exist with DEVICE_PRIVATE memory, which the CPU cannot reach (a CPU access migrates the
 * page back, R38); devices 2 and 3 exist only where both spm_addr_dev0 and spm_addr_dev1 are set, with
 * DEVICE_COHERENT memory at those physical addresses, which the CPU maps and reaches like system memory
 * (R121). This is the one place that knows which device number has which memory.
 */
public enum DeviceMemory {
  PRIVATE, COHERENT;

  /** The devices a program may name: /dev/hmm_dmirror0 to /dev/hmm_dmirror3. */
  public static final int DEVICES = 4;

  /** The devices (bits) with device-private memory. */
  public static final int PRIVATE_DEVICES = 0b0011;

  /** The devices (bits) with device-coherent memory. */
  public static final int COHERENT_DEVICES = 0b1100;

  public static DeviceMemory of(int device) {
    return (COHERENT_DEVICES & (1 << device)) != 0 ? COHERENT : PRIVATE;
  }

  /** The other device with the same kind of memory (0 and 1, 2 and 3): the two that compete as a pair. */
  public static int partner(int device) {
    return device ^ 1;
  }
}
