package io.hmmfuzz.guests;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.InFlight;
import io.hmmfuzz.gen.Reduction;
import io.hmmfuzz.linux.KernelTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The work a guest takes, done here against a target of that guest: the engine runs in this JVM and
 * only the system calls in the guest. Each piece keeps, in memory, the program running now: if the
 * guest ends during it, that program is the crash or hang to report.
 */
final class GuestWork {
  private GuestWork() {}

  /** How often a boot's campaign reports its status (and the host rewrites its summary). */
  static final Duration STATUS_EVERY = Duration.ofSeconds(5);

  /** One boot's part of a campaign ({@link Guest#campaign}). */
  static final class CampaignWork {
    private final Guest.CampaignPart part;
    private final Campaign.Listener listener;
    private final Consumer<String> notes;
    private final BooleanSupplier stop;
    private volatile Program running;
    private volatile int runningViewEvery;
    private volatile Capabilities caps;
    private volatile CampaignSummary last;

    CampaignWork(Guest.CampaignPart part, Campaign.Listener listener, Consumer<String> notes, BooleanSupplier stop) {
      this.part = part;
      this.listener = listener;
      this.notes = notes;
      this.stop = stop;
    }

    /** Runs the part on {@code target}; its summary. */
    CampaignSummary run(KernelTarget target) {
      caps = target.capabilities();
      String name = target.describe();
      notes.accept(String.format("hmmfuzz fuzz: %s; %s; profile %s; seed %d; %s; reproducers in %s", name,
          caps.summary(), part.profile().name(), part.seed(), part.duration(), part.out().toAbsolutePath().normalize()));
      List<Campaign.Known> known = new ArrayList<>();
      for (Signature s : part.earlier()) {
        known.add(new Campaign.Known(s, "an earlier boot of this campaign"));
      }
      if (part.known() != null) {
        known.addAll(part.known().on(caps, notes));
      }
      Campaign c = new Campaign(target, new Campaign.Settings(part.profile(), part.seed(), part.duration(),
          part.viewEvery(), part.out(), part.reliabilityRuns(), STATUS_EVERY, part.maxPrograms(), true, null, known,
          null, part.shard()));
      Campaign.Stats stats = c.run(new Campaign.Listener() {
        @Override
        public void status(Campaign.Stats s) {
          last = summary(s, name, false);
          listener.status(s);
        }

        @Override
        public void finding(Campaign.Finding f) {
          listener.finding(f);
        }

        @Override
        public void starting(Program program, int viewEvery) {
          runningViewEvery = viewEvery;
          running = program;
          listener.starting(program, viewEvery);
        }
      }, stop);
      running = null;
      last = summary(stats, name, true);
      return last;
    }

    private CampaignSummary summary(Campaign.Stats s, String target, boolean finished) {
      return CampaignSummary.of(s, part.seed(), part.profile().name(), part.without(), part.viewEvery(), target, caps,
          part.duration().toMillis() / 1000.0, finished);
    }

    /** The summary at the last status (null before the first). */
    CampaignSummary last() {
      return last;
    }

    /** The program running now, as a reproducer of the target's capabilities; null if none. */
    Reproducer inFlight() {
      Program p = running;
      return p == null ? null : InFlight.reproducer(p, runningViewEvery, caps);
    }
  }

  /** A shrink of a fatal program in one guest ({@link Guest#shrink}). */
  static final class ShrinkWork {
    private final Guest.ShrinkPart part;
    private final Set<String> notReproduced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Program running;

    ShrinkWork(Guest.ShrinkPart part) {
      this.part = part;
    }

    /** Shrinks on {@code target} while candidates reproduce without killing it; the smallest that did. */
    Program run(KernelTarget target) {
      Set<String> known = new HashSet<>(part.notReproducing());
      Runner runner = new Runner(target, part.reproducer().viewEvery(), null, (p, viewEvery) -> running = p);
      Program min = Reduction.shrinkFatal(runner, part.reproducer().program(), part.signature(),
          text -> known.contains(GuestShrink.key(text)), text -> notReproduced.add(GuestShrink.key(text)));
      running = null;
      return min;
    }

    Set<String> notReproduced() {
      return Set.copyOf(notReproduced);
    }

    /** The candidate running now; null if none. */
    Program inFlight() {
      return running;
    }
  }

  /** Runs {@code program} once on {@code target}. */
  static void replay(KernelTarget target, Reproducer reproducer) {
    new Runner(target, reproducer.viewEvery()).run(reproducer.program());
  }
}
