package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.linux.KernelTarget;
import io.hmmfuzz.vm.ExecutorGuest;
import io.hmmfuzz.vm.GuestTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest under QEMU that runs the C executor and nothing else ({@link ExecutorGuest}): the work runs
 * here against its {@link GuestTarget}s. A program during which the guest dies, or is ended by its
 * watchdog, ends the work with the guest's {@link Ending}, told from the guest's state and console.
 */
public final class QemuGuest implements Guest {
  /** The guest init's line when its executor ended (ExecutorGuest's init script). */
  private static final Pattern EXECUTOR_ENDED = Pattern.compile("hmmfuzz-guest: executor ended with (\\d+)");

  private final ExecutorGuest guest;
  /** The target made last: its program is the one the guest's reports count against. */
  private volatile GuestTarget current;

  private QemuGuest(ExecutorGuest guest) {
    this.guest = guest;
  }

  /** Boots of {@code kernel}, each a fresh guest whose unanswered request ends it after {@code hangTimeout}. */
  public static Boot boots(Path kernel, Duration hangTimeout) {
    return () -> boot(kernel, hangTimeout);
  }

  /**
   * Boots {@code kernel}.
   *
   * @throws BootFailure if it did not boot to its executor
   * @throws io.hmmfuzz.core.exec.TargetUnavailableException without QEMU or without the kernel
   */
  public static QemuGuest boot(Path kernel, Duration hangTimeout) throws IOException {
    ExecutorGuest g;
    try {
      g = ExecutorGuest.boot(kernel, ExecutorGuest.BOOT_TIMEOUT, hangTimeout, line -> { });
    } catch (BootFailure e) {
      throw e;
    } catch (InfrastructureException e) {
      // "the VM did not boot to its executor (...); console tail:", then the tail's lines
      List<String> lines = List.of(String.valueOf(e.getMessage()).split("\n"));
      throw new BootFailure(lines.get(0).replaceFirst(";? console tail:$", ""), lines.subList(1, lines.size()), e);
    }
    return new QemuGuest(g);
  }

  @Override
  public double bootSeconds() {
    return guest.bootSeconds();
  }

  /** A scratch filesystem of {@code kind} in this guest, made and probed there; the one programs run on now. */
  public KernelTarget target(FsKind kind) {
    GuestTarget t = GuestTarget.create(guest, kind);
    current = t;
    return t;
  }

  /** Programs run on {@code t} (a target of this guest made before) now: its reports are the ones that count. */
  void use(KernelTarget t) {
    current = (GuestTarget) t;
  }

  @Override
  public CampaignRun campaign(CampaignPart part, Campaign.Listener listener, Consumer<String> notes,
      BooleanSupplier stop) {
    GuestWork.CampaignWork work = new GuestWork.CampaignWork(part, listener, notes, stop);
    try (KernelTarget t = target(part.fs())) {
      return new CampaignRun(work.run(t), null, Ending.FINISHED);
    } catch (InfrastructureException e) {
      return new CampaignRun(work.last(), work.inFlight(), ending(e));
    }
  }

  @Override
  public ShrinkRun shrink(ShrinkPart part) {
    GuestWork.ShrinkWork work = new GuestWork.ShrinkWork(part);
    try (KernelTarget t = target(part.fs() != null ? part.fs() : FsKind.parse(part.reproducer().fs()))) {
      return new ShrinkRun(work.run(t), work.notReproduced(), null, Ending.FINISHED);
    } catch (InfrastructureException e) {
      return new ShrinkRun(null, work.notReproduced(), work.inFlight(), ending(e));
    }
  }

  @Override
  public Ending replay(Reproducer reproducer, FsKind fs) {
    try (KernelTarget t = target(fs != null ? fs : FsKind.parse(reproducer.fs()))) {
      GuestWork.replay(t, reproducer);
      return Ending.FINISHED;
    } catch (InfrastructureException e) {
      return ending(e);
    }
  }

  /**
   * How the guest ended, after work failed with {@code cause}: hung (its watchdog ended it), died (with
   * the kernel's reports since the current program started, and the executor's exit status as the
   * guest's init saw it), or lost: QEMU ended of a signal hmmfuzz did not send with no kernel report, or
   * the harness failed while the guest lives on.
   */
  public Ending ending(InfrastructureException cause) {
    if (guest.alive() && !guest.hung() && !guest.link().broken()) {
      return new Ending.Lost("the harness failed in a guest that lives on (an infrastructure failure): "
          + cause.getMessage(), guest.consoleTail());
    }
    // A report that ended the program reaches the console after the executor's channel closed.
    guest.settleConsole();
    List<String> tail = guest.consoleTail();
    if (guest.killedFromOutside() && guest.consoleReports().isEmpty()) {
      return new Ending.Lost("QEMU ended of a signal hmmfuzz did not send, with no kernel report on the console"
          + " (killed from outside, or QEMU crashed): an infrastructure failure, not a finding", tail);
    }
    GuestTarget t = current;
    List<KernelReport> reports = t == null ? guest.consoleReports() : t.reportsSinceProgramStart();
    if (guest.hung()) {
      return new Ending.Hung(guest.link().lastCall(), reports, tail);
    }
    int exit = tail.stream().map(EXECUTOR_ENDED::matcher).filter(Matcher::find)
        .map(m -> Integer.parseInt(m.group(1))).reduce((a, b) -> b).filter(c -> c > 1).orElse(-1);
    return new Ending.Died(reports, exit, tail);
  }

  @Override
  public void close() {
    guest.close();
  }
}
