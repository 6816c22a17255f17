package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.linux.ExecutorKind;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.linux.LinuxTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The targets a command opens, one per filesystem kind, on the local kernel or in a guest that runs the
 * C executor (booted on first use, one guest for all kinds). The -dax kinds share the one pmem device,
 * so opening one closes the other. A guest that ended during a program is dropped with its targets
 * ({@link #ended}); the next {@link #get} boots a fresh one.
 */
public final class Targets implements AutoCloseable {
  private final ExecutorKind executor;
  private final Path kernel;
  private final Duration hangTimeout;
  private final Consumer<String> progress;
  private final Map<FsKind, KernelTarget> open = new EnumMap<>(FsKind.class);
  private QemuGuest guest;

  private Targets(ExecutorKind executor, Path kernel, Duration hangTimeout, Consumer<String> progress) {
    this.executor = executor;
    this.kernel = kernel;
    this.hangTimeout = hangTimeout;
    this.progress = progress;
  }

  /** Targets on the local kernel, with {@code executor} making the system calls. */
  public static Targets local(ExecutorKind executor) {
    return new Targets(executor, null, null, line -> { });
  }

  /**
   * Targets in a guest booted from {@code kernel} on first use, ended when a request goes unanswered for
   * {@code hangTimeout}; {@code progress} hears of its boot.
   */
  public static Targets guest(Path kernel, Duration hangTimeout, Consumer<String> progress) {
    return new Targets(ExecutorKind.C, kernel, hangTimeout, progress);
  }

  /** Whether the targets are a guest's. */
  public boolean inGuest() {
    return kernel != null;
  }

  /** The target of {@code kind}, opened if need be. */
  public KernelTarget get(FsKind kind) {
    KernelTarget t = open.get(kind);
    if (t != null) {
      if (guest != null) {
        guest.use(t);
      }
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
    t = inGuest() ? guest().target(kind) : LinuxTarget.create(kind, executor);
    open.put(kind, t);
    return t;
  }

  private QemuGuest guest() {
    if (guest == null) {
      progress.accept("vm: booting " + kernel + " (the C executor in the guest, the engine here)");
      try {
        guest = QemuGuest.boot(kernel, hangTimeout); // a BootFailure goes to the command, with the console's tail
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      progress.accept(String.format("vm: guest up in %.1f s", guest.bootSeconds()));
    }
    return guest;
  }

  /**
   * After a program that failed with {@code cause}: how the guest ended (it died or hung during the
   * program, or was lost); the guest and its targets are dropped. On the local kernel there is no guest
   * to blame: {@code cause} is thrown again.
   */
  public Ending ended(InfrastructureException cause) {
    if (guest == null) {
      throw cause;
    }
    Ending e = guest.ending(cause);
    open.clear();
    guest.close();
    guest = null;
    return e;
  }

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
