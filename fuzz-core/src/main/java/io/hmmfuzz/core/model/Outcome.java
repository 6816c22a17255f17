package io.hmmfuzz.core.model;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;

/**
 * What one op (or one view read) actually did on a target.
 *
 * @param status what kind of result
 * @param value  OK: the return value (byte count, size); SIGNAL: offset of the faulting byte within the access; ERROR: raw errno
 * @param errno  ERROR: the named errno
 * @param signal SIGNAL: which one
 * @param data   bytes read (OK), or read before the fault (SIGNAL); null where the op reads nothing
 */
public record Outcome(Status status, long value, Errno errno, Signal signal, byte[] data) {
  public enum Status { OK, ERROR, SIGNAL, NOT_LIVE }

  public static Outcome ok(long value) {
    return new Outcome(Status.OK, value, null, Signal.NONE, null);
  }

  public static Outcome ok(long value, byte[] data) {
    return new Outcome(Status.OK, value, null, Signal.NONE, data);
  }

  public static Outcome error(Errno errno, int raw) {
    return new Outcome(Status.ERROR, raw, errno, Signal.NONE, null);
  }

  public static Outcome signal(Signal signal, long faultOffset, byte[] before) {
    return new Outcome(Status.SIGNAL, faultOffset, null, signal, before);
  }

  /** A system call's result as the op's outcome; {@code keepValue} false for values not compared (fds, addresses). */
  public static Outcome of(io.hmmfuzz.core.exec.SysResult r, boolean keepValue) {
    return r.failed() ? error(r.errno(), r.rawErrno()) : ok(keepValue ? r.value() : 0);
  }

  /** The op names a file or mapping whose creating op failed: nothing was issued. */
  public static Outcome notLive() {
    return new Outcome(Status.NOT_LIVE, 0, null, Signal.NONE, null);
  }

  public String describe() {
    return switch (status) {
      case OK -> data == null ? "ok " + value
          : data.length <= 16 ? "ok " + value + ", bytes " + java.util.HexFormat.ofDelimiter(" ").formatHex(data)
          : "ok " + value + " (" + data.length + " bytes)";
      case ERROR -> (errno == Errno.UNKNOWN ? "errno " + value : errno.name());
      case SIGNAL -> signal + " at +0x" + Long.toHexString(value);
      case NOT_LIVE -> "not live (its creating op failed)";
    };
  }
}
