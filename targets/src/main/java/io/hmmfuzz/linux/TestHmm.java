package io.hmmfuzz.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.SysResult;

/**
 * The test_hmm binding: one device mirror fd and its ioctls. The driver copies data through a bounce
 * buffer to or from {@code cmd.ptr}, which is native memory of ours, never a mapping under test.
 */
final class TestHmm implements AutoCloseable {
  private final int fd;

  private TestHmm(int fd) {
    this.fd = fd;
  }

  /** Whether the mirrors every test_hmm has are there: /dev/hmm_dmirror0 and 1, created together (R91). */
  static boolean present() {
    for (int d = 0; d < 2; d++) {
      if (!java.nio.file.Files.exists(java.nio.file.Path.of(HmmUapi.device(d)))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Opens a mirror of device {@code device}; it registers an mmu notifier over the opening process's
   * address space.
   */
  static TestHmm open(int device) {
    int fd = LibC.open(HmmUapi.device(device), 2 | LinuxAbi.O_CLOEXEC_FLAG, 0);
    return fd < 0 ? null : new TestHmm(fd);
  }

  SysResult command(DeviceCommand c, long address, long pages, byte[] buffer) {
    try (Memory cmd = new Memory(HmmUapi.CMD_SIZE); Memory data = new Memory(Math.max(1, buffer.length))) {
      cmd.clear();
      if (c == DeviceCommand.WRITE) {
        data.write(0, buffer, 0, buffer.length);
      }
      cmd.setLong(HmmUapi.ADDR, address);
      cmd.setLong(HmmUapi.PTR, com.sun.jna.Pointer.nativeValue(data));
      cmd.setLong(HmmUapi.NPAGES, pages);
      int r = LibC.ioctl(fd, HmmUapi.ioctl(c), cmd);
      if (r < 0) {
        int e = Native.getLastError();
        return SysResult.error(LinuxAbi.errno(e), e);
      }
      if (c != DeviceCommand.WRITE) {
        data.read(0, buffer, 0, buffer.length);
      }
      return SysResult.ok(cmd.getLong(HmmUapi.CPAGES));
    }
  }

  @Override
  public void close() {
    LibC.close(fd);
  }
}
