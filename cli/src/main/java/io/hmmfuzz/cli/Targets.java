package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.vm.ExecutorGuest;
import io.hmmfuzz.vm.GuestTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The targets a command opens, one per filesystem kind, on the local kernel or in a guest that runs
 * the C executor (booted on first use, one guest for all kinds). The -dax kinds share the one pmem
 * device, so opening one closes the other. A guest that died is dropped with its targets; the next
 * {@link #get} boots a fresh one.
 */
final class Targets implements AutoCloseable {
  private final TargetOptions options;
  private final PrintWriter out;
  private final Duration hangTimeout;
  private final Map<FsKind, KernelTarget> open = new EnumMap<>(FsKind.class);
  private ExecutorGuest guest;

  Targets(TargetOptions options, PrintWriter out, Duration hangTimeout) {
    this.options = options;
    this.out = out;
    this.hangTimeout = hangTimeout;
  }

  /** The target of {@code kind}, opened if need be. */
  KernelTarget get(FsKind kind) {
    KernelTarget t = open.get(kind);
    if (t != null) {
      return t;
    }
    if (kind.dax()) {
      open.entrySet().removeIf(e -> {
        if (e.getKey().dax()) {
          e.getValue().close();
          return true;
        }
        return false;
      });
    }
    if (options.hostedOn != null) {
      t = options.hostedOn.apply(kind);
    } else if (options.vm()) {
      if (guest == null) {
        try {
          guest = options.bootGuest(out, hangTimeout);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      t = GuestTarget.create(guest, kind);
    } else {
      t = LinuxTarget.create(kind, options.executor());
    }
    open.put(kind, t);
    return t;
  }

  /** The guest, if one runs. */
  ExecutorGuest guest() {
    return guest;
  }

  /**
   * After a program that failed because its guest stopped answering: the kernel reports on the guest's
   * console, and whether it was ended as hung; the guest and its targets are dropped.
   */
  GuestDeath guestDied() {
    guest.settleConsole();
    GuestDeath d = new GuestDeath(guest.hung(), guest.consoleReports(), guest.consoleTail());
    open.clear();
    guest.close();
    guest = null;
    return d;
  }

  /** How a guest ended: ended by the watchdog (hung) or died, its console's reports and last lines. */
  record GuestDeath(boolean hung, List<KernelReport> reports, List<String> consoleTail) {}

  @Override
  public void close() {
    open.values().forEach(Target::close);
    open.clear();
    if (guest != null) {
      guest.close();
      guest = null;
    }
  }
}
