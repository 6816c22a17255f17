package io.hmmfuzz.guests;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.InFlight;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Guests without QEMU (syzkaller's vm/vmtest): each boot takes the next script, which says what that
 * guest does with the work it gets (fails to boot, finds divergences, hangs or dies in a program, is
 * lost; for a shrink, a candidate that kills it or none). Every piece of work a guest got is kept, for
 * the tests to see what the runs across guests sent.
 */
final class FakeBoots implements Boot {
  /** The capabilities of every fake guest's target: a 6.1 kernel's tmpfs. */
  static final Capabilities CAPS = new Capabilities(KernelVersion.parse("6.1.192"), FsKind.TMPFS, 4096, 4096, false,
      false, false, false, true, false);

  static final List<String> CONSOLE = List.of("[   12.3] hmmfuzz-guest: executor on /dev/vport1p1");

  /** What one booted guest does. */
  sealed interface Script {}

  /** The guest does not come up. */
  record FailsToBoot(String why) implements Script {}

  /**
   * Its campaign part runs {@code programs} programs and {@code ops} ops and finishes, having found
   * {@code findings} (new signatures) and counted {@code repeats} divergences of earlier boots' findings.
   */
  record Finishes(long programs, long ops, List<String> findings, Map<String, Long> repeats) implements Script {
    Finishes(long programs, long ops, List<String> findings) {
      this(programs, ops, findings, Map.of());
    }
  }

  /** The guest stops answering {@code request} during {@code program}. */
  record HangsIn(Program program, String request) implements Script {}

  /** The guest dies with {@code report} on its console during {@code program} (null: before any program). */
  record DiesWith(KernelReport report, Program program) implements Script {}

  /** QEMU is killed from outside. */
  record IsLost() implements Script {}

  /** A shrink: {@code candidate} kills the guest with {@code report}. */
  record KilledBy(Program candidate, KernelReport report, Set<String> notReproduced) implements Script {
    KilledBy(Program candidate, KernelReport report) {
      this(candidate, report, Set.of());
    }
  }

  /** A shrink: no candidate kills the guest; {@code result} is the smallest that reproduced. */
  record ShrinksTo(Program result) implements Script {}

  private final Deque<Script> scripts = new ArrayDeque<>();
  /** What each guest was given, in order: a campaign part, a shrink part, or a reproducer to replay. */
  final List<Object> work = new ArrayList<>();
  int boots;

  FakeBoots(Script... scripts) {
    this.scripts.addAll(List.of(scripts));
  }

  /** Scripts not yet taken by a boot. */
  int left() {
    return scripts.size();
  }

  @Override
  public Guest boot() {
    Script s = scripts.poll();
    if (s == null) {
      throw new AssertionError("boot " + (boots + 1) + " has no script");
    }
    boots++;
    if (s instanceof FailsToBoot f) {
      throw new BootFailure("the VM did not boot to its executor (" + f.why() + ")", CONSOLE);
    }
    return new FakeGuest(s);
  }

  static Program program(String text) {
    try {
      return ProgramText.parse(text, "test");
    } catch (ReproducerSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static KernelReport report(String title) {
    return new KernelReport(title, title + "\nCall Trace:\n dmirror_do_read+0x40/0x90");
  }

  private final class FakeGuest implements Guest {
    private final Script script;

    FakeGuest(Script script) {
      this.script = script;
    }

    @Override
    public double bootSeconds() {
      return 2.5;
    }

    @Override
    public CampaignRun campaign(CampaignPart part, Campaign.Listener listener, Consumer<String> notes,
        BooleanSupplier stop) {
      work.add(part);
      listener.running(new io.hmmfuzz.core.exec.Target() {
        @Override
        public Capabilities capabilities() {
          return CAPS;
        }

        @Override
        public Session openSession() {
          throw new UnsupportedOperationException("a scripted guest runs no program");
        }

        @Override
        public String describe() {
          return "fake guest";
        }

        @Override
        public void close() {}
      });
      if (script instanceof Finishes f) {
        List<CampaignSummary.Found> found = new ArrayList<>();
        for (String sig : f.findings()) {
          found.add(new CampaignSummary.Found(sig, "divergence", "tmpfs-" + sig.hashCode() + ".repro", 3, "5/5", 0, 0));
        }
        List<CampaignSummary.KnownRepeat> known = new ArrayList<>();
        f.repeats().forEach((sig, n) -> known.add(new CampaignSummary.KnownRepeat(sig, "an earlier boot of this campaign", n)));
        // Every program of the script met a store and a later load on the same page.
        Campaign.Stats stats = new Campaign.Stats(f.programs(), f.ops(), 1.0, found, known,
            Map.of("load:ok", f.ops()), Map.of(), io.hmmfuzz.gen.Progress.NONE,
            Map.of("store", Map.of("load", (long) f.programs())));
        listener.status(stats);
        return new CampaignRun(summary(stats, part), null, Ending.FINISHED);
      }
      Campaign.Stats one = new Campaign.Stats(1, 10, 1.0, List.of(), List.of(), Map.of("load:ok", 10L), Map.of());
      if (script instanceof HangsIn h) {
        listener.starting(h.program(), 8);
        return new CampaignRun(summary(one, part), InFlight.reproducer(h.program(), 8, CAPS),
            new Ending.Hung(h.request(), List.of(), CONSOLE));
      }
      if (script instanceof DiesWith d) {
        return new CampaignRun(summary(one, part), d.program() == null ? null : InFlight.reproducer(d.program(), 8, CAPS),
            new Ending.Died(List.of(d.report()), -1, CONSOLE));
      }
      if (script instanceof IsLost) {
        return new CampaignRun(null, null, new Ending.Lost("QEMU ended of a signal hmmfuzz did not send", CONSOLE));
      }
      throw new AssertionError("a campaign part for a guest scripted " + script);
    }

    private CampaignSummary summary(Campaign.Stats stats, CampaignPart part) {
      return CampaignSummary.of(stats, part.seed(), part.profile().name(), part.without(), part.viewEvery(),
          "fake guest", CAPS, part.duration().toSeconds(), true);
    }

    @Override
    public ShrinkRun shrink(ShrinkPart part) {
      work.add(part);
      if (script instanceof KilledBy k) {
        return new ShrinkRun(null, k.notReproduced(), k.candidate(), new Ending.Died(List.of(k.report()), -1, CONSOLE));
      }
      if (script instanceof ShrinksTo s) {
        return new ShrinkRun(s.result(), Set.of(), null, Ending.FINISHED);
      }
      if (script instanceof DiesWith d) {
        return new ShrinkRun(null, Set.of(), d.program(), new Ending.Died(List.of(d.report()), -1, CONSOLE));
      }
      if (script instanceof IsLost) {
        return new ShrinkRun(null, Set.of(), null, new Ending.Lost("QEMU ended of a signal hmmfuzz did not send", CONSOLE));
      }
      throw new AssertionError("a shrink for a guest scripted " + script);
    }

    @Override
    public Ending replay(Reproducer reproducer, FsKind fs) {
      work.add(reproducer);
      if (script instanceof Finishes) {
        return Ending.FINISHED;
      }
      if (script instanceof DiesWith d) {
        return new Ending.Died(List.of(d.report()), -1, CONSOLE);
      }
      if (script instanceof HangsIn h) {
        return new Ending.Hung(h.request(), List.of(), CONSOLE);
      }
      throw new AssertionError("a replay for a guest scripted " + script);
    }

    @Override
    public void close() {}
  }
}
