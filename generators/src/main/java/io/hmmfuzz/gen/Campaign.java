package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.core.run.Tally;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * A fuzz campaign: random programs until the deadline or a stop request; each new divergence is
 * shrunk, saved as a reproducer in the output directory and reported to the listener.
 */
public final class Campaign {
  public static final String TOOL_VERSION = "0.1.0";

  /**
   * @param profile         op weights
   * @param seed            base seed; program i uses a seed derived from it
   * @param duration        how long to run
   * @param viewEvery       compare all views every this many ops (and after the last)
   * @param out             where reproducers go
   * @param reliabilityRuns final runs of each reproducer
   * @param statusEvery     how often the listener gets a status
   * @param maxPrograms     stop after this many programs (0: no limit), e.g. to reboot a guest every N
   * @param stopOnKernelLog stop after a new kernel report, or a known one where the target does not
   *                        re-arm one-shot warnings (a tainted kernel is rebooted)
   * @param inFlight        a file to hold the text of each program before it runs (null: none): what a
   *                        host reads back as the last program of a guest that hung or crashed
   * @param knownSignatures signatures already reported (by an earlier guest boot): counted, not shrunk again
   */
  public record Settings(Profile profile, long seed, Duration duration, int viewEvery, Path out, int reliabilityRuns,
      Duration statusEvery, long maxPrograms, boolean stopOnKernelLog, Path inFlight, Set<String> knownSignatures) {
    public Settings {
      knownSignatures = Set.copyOf(knownSignatures);
    }

    public Settings(Profile profile, long seed, Duration duration, int viewEvery, Path out, int reliabilityRuns,
        Duration statusEvery) {
      this(profile, seed, duration, viewEvery, out, reliabilityRuns, statusEvery, 0, false, null, Set.of());
    }
  }

  /** Counters of a campaign so far; {@code repeats} are divergences with an already known signature. */
  public record Stats(long programs, long ops, int divergences, long repeats, double seconds,
      Map<String, Long> outcomes) {
    public double opsPerSecond() {
      return seconds > 0 ? ops / seconds : 0;
    }
  }

  /** A shrunk divergence and where its reproducer was saved. */
  public record Finding(Reduction reduction, Reproducer reproducer, Path file, long seed) {}

  public interface Listener {
    void status(Stats stats);

    void finding(Finding finding);
  }

  private final Target target;
  private final Settings settings;
  private volatile long programStarted = System.nanoTime();

  public Campaign(Target target, Settings settings) {
    this.target = target;
    this.settings = settings;
  }

  public Stats run(Listener listener, BooleanSupplier stopRequested) {
    Capabilities caps = target.capabilities();
    ProgramGenerator gen = new ProgramGenerator(settings.profile(), caps);
    Tally tally = new Tally();
    InFlight inFlight = settings.inFlight() == null ? null : new InFlight(settings.inFlight(), caps);
    ObjIntConsumer<Program> onStart = (program, viewEvery) -> {
      programStarted = System.nanoTime();
      if (inFlight != null) {
        inFlight.accept(program, viewEvery);
      }
    };
    Runner runner = new Runner(target, settings.viewEvery(), tally, onStart);
    Runner precise = new Runner(target, 1, null, onStart);
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    Set<String> seen = new HashSet<>();
    long start = System.nanoTime();
    long deadline = start + settings.duration().toNanos();
    long nextStatus = start + settings.statusEvery().toNanos();
    long programs = 0;
    long ops = 0;
    int divergences = 0;
    boolean kernelLogFinding = false;
    long repeats = 0;
    while (System.nanoTime() < deadline && !stopRequested.getAsBoolean()
        && (settings.maxPrograms() == 0 || programs < settings.maxPrograms())
        && !(kernelLogFinding && settings.stopOnKernelLog())) {
      long seed = seeds.nextLong();
      Program p = gen.generate(seed);
      RunResult r = runner.run(p);
      programs++;
      ops += r.opsExecuted();
      if (r.diverged()) {
        Reduction red = reduceUnlessKnown(precise, runner, p, r.divergence());
        // A new kernel report taints the kernel: stop, so that a host boots a fresh one. A known one is
        // counted and the campaign goes on only where each program re-arms WARN_ON_ONCE: elsewhere the
        // warning would be silent the next time (a livelock after it looked like a bare hang).
        kernelLogFinding |= (red != null && red.divergence().report() != null)
            || (r.divergence().report() != null && !target.rearmsOneShotReports());
        if (red == null) {
          repeats++;
        } else if (seen.add(red.divergence().signature() + "\n" + ProgramText.print(red.program()))) {
          divergences++;
          Reproducer rep = reproducer(caps, red, seed, settings.profile().name());
          Path file = save(settings.out(), rep, red);
          listener.finding(new Finding(red, rep, file, seed));
        }
      }
      long now = System.nanoTime();
      if (now >= nextStatus) {
        listener.status(new Stats(programs, ops, divergences, repeats, (now - start) / 1e9, Map.of()));
        nextStatus = now + settings.statusEvery().toNanos();
      }
    }
    return new Stats(programs, ops, divergences, repeats, (System.nanoTime() - start) / 1e9, tally.snapshot());
  }

  /** How long the program running now (a campaign's or a shrink candidate) has been running. */
  public Duration sinceProgramStart() {
    return Duration.ofNanos(System.nanoTime() - programStarted);
  }

  /** The divergence pinned and shrunk, or null if its signature (as found, or as pinned) is a known one. */
  private Reduction reduceUnlessKnown(Runner precise, Runner asFound, Program p, Divergence found) {
    if (settings.knownSignatures().contains(found.signature())) {
      return null;
    }
    long t0 = System.nanoTime();
    Reduction.Pinned pinned = Reduction.pin(precise, asFound, p, found);
    if (pinned == null) {
      return Reduction.unreproduced(p, found, t0, asFound.viewEvery());
    }
    return settings.knownSignatures().contains(pinned.divergence().signature()) ? null
        : Reduction.shrink(pinned, p, settings.reliabilityRuns(), t0);
  }

  /**
   * Generates programs from seeds 1, 2, ... until one diverges, then reduces it: how a planted bug is
   * looked for. Null if none of {@code maxPrograms} programs diverged.
   */
  public static Reduction findFirst(Target target, Profile profile, int maxPrograms, int reliabilityRuns) {
    ProgramGenerator gen = new ProgramGenerator(profile, target.capabilities());
    Runner runner = new Runner(target, 8);
    for (long seed = 1; seed <= maxPrograms; seed++) {
      Program p = gen.generate(seed);
      RunResult r = runner.run(p);
      if (r.diverged()) {
        return Reduction.of(new Runner(target, 1), p, r.divergence(), reliabilityRuns);
      }
    }
    return null;
  }

  /** A reproducer header's first entries: the tool and the capabilities a program ran with. */
  static Map<String, String> header(Capabilities caps) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("tool", TOOL_VERSION);
    h.put("kernel", caps.kernel().release());
    h.put("fs", caps.fs().id());
    h.put("page", Integer.toString(caps.pageSize()));
    h.put("block", Integer.toString(caps.blockSize()));
    h.put("caps", caps.summary());
    return h;
  }

  /** The reproducer of a reduction, its header filled from the capabilities it ran with. */
  public static Reproducer reproducer(Capabilities caps, Reduction red, long seed, String profile) {
    Map<String, String> h = header(caps);
    h.put("seed", Long.toString(seed));
    h.put("profile", profile);
    h.put("reproduced", red.reproduced() + "/" + red.attempts());
    h.put("signature", red.divergence().signature());
    if (red.viewEvery() != 1) {
      h.put("view-every", Integer.toString(red.viewEvery()));
    }
    h.put("expect", "divergence");
    return new Reproducer(h, List.of(red.divergence().render(null).stripTrailing()), red.program());
  }

  static Path save(Path dir, Reproducer rep, Reduction red) {
    String sig = red.divergence().signature().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    sig = sig.substring(0, Math.min(sig.length(), 64));
    String hash = Integer.toHexString(ProgramText.print(red.program()).hashCode() & 0xfffffff);
    try {
      return Corpus.save(dir, rep.fs() + "-" + sig + "-" + hash, rep);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save reproducer in " + dir, e);
    }
  }
}
