package io.hmmfuzz.core.model;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.model.Outcome.Status;
import java.util.List;
import java.util.Set;

/**
 * The set of outcomes the model allows for one op or view: an exact status, value, errno and signal,
 * and per data byte the allowed set of {@link Cells}. {@code rule} names the semantics rule (R#, see
 * the notes on Linux semantics) that decided it, for reports. Where the kernel's state is hidden from
 * the model (which pages the device mirror still holds), {@link #or} adds a named alternative: the
 * outcome must match this one or the alternative.
 */
public record Expected(Status status, long value, Errno errno, Signal signal, Cells data, String rule,
    List<Set<Byte>> choices, Expected orElse) {

  public Expected(Status status, long value, Errno errno, Signal signal, Cells data, String rule) {
    this(status, value, errno, signal, data, rule, null, null);
  }

  /** The same outcome decided by another rule. */
  public Expected withRule(String why) {
    return new Expected(status, value, errno, signal, data, why, choices, orElse);
  }

  /** This outcome, or else {@code alternative}. */
  public Expected or(Expected alternative) {
    return new Expected(status, value, errno, signal, data, rule, choices,
        orElse == null ? alternative : orElse.or(alternative));
  }

  /** OK with one byte per entry, each any member of its set (test_hmm SNAPSHOT, R37). */
  public static Expected okChoices(long value, List<Set<Byte>> choices, String rule) {
    return new Expected(Status.OK, value, null, Signal.NONE, null, rule, List.copyOf(choices), null);
  }

  public static Expected ok(long value, String rule) {
    return new Expected(Status.OK, value, null, Signal.NONE, null, rule);
  }

  public static Expected ok(long value, Cells data, String rule) {
    return new Expected(Status.OK, value, null, Signal.NONE, data, rule);
  }

  public static Expected error(Errno errno, String rule) {
    return new Expected(Status.ERROR, 0, errno, Signal.NONE, null, rule);
  }

  public static Expected signal(Signal signal, long offset, Cells before, String rule) {
    return new Expected(Status.SIGNAL, offset, null, signal, before, rule);
  }

  public static Expected notLive() {
    return new Expected(Status.NOT_LIVE, 0, null, Signal.NONE, null, "resource not live");
  }

  /** Whether {@code actual} is one of the allowed outcomes. */
  public boolean allows(Outcome actual) {
    return matches(actual) || (orElse != null && orElse.allows(actual));
  }

  private boolean matches(Outcome actual) {
    if (actual.status() != status) {
      return false;
    }
    return switch (status) {
      case ERROR -> actual.errno() == errno;
      case NOT_LIVE -> true;
      case OK, SIGNAL -> actual.value() == value && actual.signal() == signal && dataAllowed(actual.data());
    };
  }

  private boolean dataAllowed(byte[] actual) {
    if (choices != null) {
      if (actual == null || actual.length != choices.size()) {
        return false;
      }
      for (int i = 0; i < actual.length; i++) {
        if (!choices.get(i).contains(actual[i])) {
          return false;
        }
      }
      return true;
    }
    if (data == null || actual == null) {
      return data == null && actual == null;
    }
    return data.firstMismatch(actual) < 0;
  }

  private String describeChoices() {
    StringBuilder sb = new StringBuilder("[");
    for (Set<Byte> c : choices) {
      sb.append(sb.length() > 1 ? " " : "").append('{');
      c.stream().sorted().forEach(b -> sb.append(String.format("%02x,", b & 0xff)));
      sb.setLength(sb.length() - 1);
      sb.append('}');
    }
    return sb.append(']').toString();
  }

  public String describe() {
    String s = switch (status) {
      case OK -> choices != null ? "ok " + value + ", bytes in " + describeChoices()
          : data == null ? "ok " + value : "ok " + value + " (" + data.length() + " bytes)";
      case ERROR -> errno.name();
      case SIGNAL -> signal + " at +0x" + Long.toHexString(value);
      case NOT_LIVE -> "not live";
    };
    s = s + "  [" + rule + "]";
    return orElse == null ? s : s + "\n      or " + orElse.describe();
  }
}
