package io.hmmfuzz.guests;

import java.io.IOException;

/** Boots a fresh guest: a kernel under QEMU ({@link QemuGuest#boots}), or a test's scripted one. */
@FunctionalInterface
public interface Boot {
  /**
   * A guest up and ready for work.
   *
   * @throws BootFailure if it did not come up (an infrastructure failure, not a finding)
   */
  Guest boot() throws IOException;
}
