package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Errno;

/**
 * The result of one system call: a non-negative value, or an errno (named where the model knows it,
 * with the raw number kept for reports).
 */
public record SysResult(long value, Errno errno, int rawErrno) {
  public static SysResult ok(long value) {
    return new SysResult(value, null, 0);
  }

  public static SysResult error(Errno errno, int raw) {
    return new SysResult(-1, errno, raw);
  }

  public boolean failed() {
    return errno != null;
  }
}
