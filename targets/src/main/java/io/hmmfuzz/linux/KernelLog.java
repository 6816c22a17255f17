package io.hmmfuzz.linux;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.KernelReport;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel log read through /dev/kmsg from where it stood when opened: each record's text goes to a
 * {@link ConsoleWatch}, so a WARNING or BUG logged during a program becomes a finding of that program.
 * Reading /dev/kmsg needs CAP_SYSLOG (root) unless dmesg_restrict is 0.
 */
final class KernelLog implements AutoCloseable {
  private final int fd;
  private final ConsoleWatch watch = new ConsoleWatch();
  private final byte[] record = new byte[8192];

  private KernelLog(int fd) {
    this.fd = fd;
  }

  /** Opens the log at its end; null if it cannot be read here (then reports are not checked). */
  static KernelLog open() {
    int fd = LibC.open(LinuxAbi.KMSG, LinuxAbi.O_READ_ONLY | LinuxAbi.O_NONBLOCK, 0);
    if (fd < 0) {
      return null;
    }
    LibC.lseek(fd, 0, LinuxAbi.SEEK_END);
    return new KernelLog(fd);
  }

  /** Reports logged since the last call. */
  synchronized List<KernelReport> reports() {
    while (true) {
      long n = LibC.read(fd, record, record.length);
      if (n < 0) {
        Errno e = LinuxAbi.errno(LibC.errno());
        if (e == Errno.EPIPE) {
          continue; // records were overwritten before we read them; go on with the next one
        }
        break; // EAGAIN: nothing more
      }
      String r = new String(record, 0, (int) n, StandardCharsets.UTF_8);
      int semi = r.indexOf(';');
      int nl = r.indexOf('\n', semi + 1);
      watch.accept(r.substring(semi + 1, nl < 0 ? r.length() : nl));
    }
    return watch.drain();
  }

  @Override
  public synchronized void close() {
    LibC.close(fd);
  }
}
