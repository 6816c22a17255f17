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
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.core.run.Tally;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;

/**
 * A fuzz campaign: random programs until the deadline or a stop request. It keeps one finding per
 * signature: a divergence whose signature is new is pinned, shrunk, saved as a reproducer in the output
 * directory and reported to the listener; one whose signature is already saved (in this campaign, an
 * earlier boot's, or a resumed one's) or known ({@code --known}) is counted, not shrunk again. The
 * listener gets the whole state every status interval and after every finding, so that a campaign
 * killed at any moment can be resumed ({@link Settings#resume}) without losing or recounting anything.
 */
public final class Campaign {
  public static final String TOOL_VERSION = "0.1.0";

  /** A finding known before the campaign starts: its signature and where it is known from. */
  public record Known(Signature signature, String file) {}

  /**
   * @param profile         op weights
   * @param seed            base seed; program i uses the i-th seed drawn from it
   * @param duration        how long to run
   * @param viewEvery       compare all views every this many ops (and after the last)
   * @param out             where reproducers go
   * @param reliabilityRuns final runs of each reproducer
   * @param statusEvery     how often the listener gets a status
   * @param maxPrograms     stop when the campaign (a resumed one's programs included) has run this many
   *                        programs (0: no limit), e.g. to reboot a guest every N
   * @param stopOnKernelLog stop after a new kernel report, or a known one where the target does not
   *                        re-arm one-shot warnings (a tainted kernel is rebooted)
   * @param inFlight        a file to hold the text of each program before it runs (null: none): what a
   *                        host reads back as the last program of a guest that hung or crashed
   * @param known           findings known before: a divergence with one of these exact signatures is
   *                        counted per known finding, not shrunk
   * @param resume          the summary of the campaign this one continues (null: a new campaign): its
   *                        seed sequence goes on from its program count, its counts and findings go on
   * @param shard           the part of the seed space this campaign runs ({@link Shard#WHOLE}: all of it);
   *                        program indices in findings are the global ones
   */
  public record Settings(Profile profile, long seed, Duration duration, int viewEvery, Path out, int reliabilityRuns,
      Duration statusEvery, long maxPrograms, boolean stopOnKernelLog, Path inFlight, List<Known> known,
      CampaignSummary resume, Shard shard) {
    public Settings {
      known = List.copyOf(known);
      shard = shard == null ? Shard.WHOLE : shard;
    }

    /** The whole seed space. */
    public Settings(Profile profile, long seed, Duration duration, int viewEvery, Path out, int reliabilityRuns,
        Duration statusEvery, long maxPrograms, boolean stopOnKernelLog, Path inFlight, List<Known> known,
        CampaignSummary resume) {
      this(profile, seed, duration, viewEvery, out, reliabilityRuns, statusEvery, maxPrograms, stopOnKernelLog, inFlight,
          known, resume, Shard.WHOLE);
    }

    public Settings(Profile profile, long seed, Duration duration, int viewEvery, Path out, int reliabilityRuns,
        Duration statusEvery) {
      this(profile, seed, duration, viewEvery, out, reliabilityRuns, statusEvery, 0, false, null, List.of(), null);
    }
  }

  /**
   * Counters of a campaign so far (a resumed campaign's include the runs before).
   *
   * @param programs programs run, and the index of the next one
   * @param findings one per signature, with the count of its other divergences
   * @param known    the known findings met, with their counts
   * @param countedAs signatures as found and the signature each is counted as
   * @param progress  the totals at each status so far
   * @param met       the op kinds that met on the same pages ({@link Tally#met})
   */
  public record Stats(long programs, long ops, double seconds, List<CampaignSummary.Found> findings,
      List<CampaignSummary.KnownRepeat> known, Map<String, Long> outcomes, Map<String, String> countedAs,
      Progress progress, Map<String, Map<String, Long>> met) {
    public Stats {
      met = met == null ? Map.of() : met;
    }

    public Stats(long programs, long ops, double seconds, List<CampaignSummary.Found> findings,
        List<CampaignSummary.KnownRepeat> known, Map<String, Long> outcomes, Map<String, String> countedAs) {
      this(programs, ops, seconds, findings, known, outcomes, countedAs, Progress.NONE, Map.of());
    }

    public double opsPerSecond() {
      return seconds > 0 ? ops / seconds : 0;
    }

    /** Distinct findings. */
    public int divergences() {
      return findings.size();
    }

    /** Divergences counted instead of shrunk: the others of each finding and the known repeats. */
    public long repeats() {
      return CampaignSummary.repeatsOf(findings, known);
    }
  }

  /** A shrunk divergence and where its reproducer was saved. */
  public record Finding(Reduction reduction, Reproducer reproducer, Path file, long seed) {}

  public interface Listener {
    /** Every status interval and after every finding: the whole state, to print and to save. */
    void status(Stats stats);

    void finding(Finding finding);

    /**
     * Before every run of a program (a generated one, a probe, or a candidate while pinning and
     * shrinking), with the view interval it runs with: what a host reports if the kernel dies or hangs
     * during it.
     */
    default void starting(Program program, int viewEvery) {}

    /** Once, before anything runs: the target the campaign runs on (a host across guests learns its kernel here). */
    default void running(Target target) {}
  }

  private final Target target;
  private final Settings settings;
  private volatile long programStarted = System.nanoTime();
  /** The totals at each status (a resumed campaign's go on). */
  private Progress progress = Progress.NONE;

  public Campaign(Target target, Settings settings) {
    this.target = target;
    this.settings = settings;
  }

  /**
   * The first {@code count} programs a campaign of {@code profile} with base seed {@code seed} runs on
   * {@code target}: with the ops only its executor can run (fork) or only a kernel the tool owns may
   * (drop-caches) where it can, as its campaign makes them ({@code bench throughput}'s floor runs the
   * campaign's own programs so).
   */
  public static List<Program> programs(Profile profile, Target target, long seed, int count) {
    return programs(new ProgramGenerator(profile, target.capabilities(), target.forks(), target.ownsKernel()), seed,
        count);
  }

  private static List<Program> programs(ProgramGenerator gen, long seed, int count) {
    SplittableRandom seeds = new SplittableRandom(seed);
    List<Program> out = new java.util.ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(gen.generate(seeds.nextLong()));
    }
    return out;
  }

  public Stats run(Listener listener, BooleanSupplier stopRequested) {
    Capabilities caps = target.capabilities();
    listener.running(target);
    CampaignSummary before = settings.resume();
    progress = before == null ? Progress.NONE : before.progress();
    Tally tally = before == null ? new Tally() : new Tally(before.outcomes(), before.met());
    InFlight inFlight = settings.inFlight() == null ? null : new InFlight(settings.inFlight(), caps);
    ObjIntConsumer<Program> onStart = (program, viewEvery) -> {
      programStarted = System.nanoTime();
      if (inFlight != null) {
        inFlight.accept(program, viewEvery);
      }
      listener.starting(program, viewEvery);
    };
    Runner runner = new Runner(target, settings.viewEvery(), tally, onStart).withMirror(Target.Mirror.KEPT);
    Runner precise = new Runner(target, 1, null, onStart);
    ShardSeeds seeds = new ShardSeeds(new SplittableRandom(settings.seed()), settings.shard());
    long programs = before == null ? 0 : before.programs();
    for (long i = 0; i < programs; i++) {
      seeds.nextLong();
    }
    long ops = before == null ? 0 : before.ops();
    double secondsBefore = before == null ? 0 : before.seconds();
    Findings ledger = new Findings(settings.known(), before);
    long start = System.nanoTime();
    long deadline = start + settings.duration().toNanos();
    long nextStatus = start + settings.statusEvery().toNanos();
    boolean kernelLogFinding = false;
    if (before == null) {
      probe(caps, precise, ledger, listener);
    }
    listener.status(stats(programs, ops, secondsBefore, start, ledger, tally));
    // Programs are generated ahead while the current one runs (on a guest, the host's generation and
    // the guest's run overlap): the following program is ready when the current one starts, so that a
    // target that queues programs runs it while the current one is checked, and the one after it is
    // generated meanwhile. Program i is still the i-th seed's.
    ProgramGenerator gen = new ProgramGenerator(settings.profile(), caps, target.forks(), target.ownsKernel());
    java.util.concurrent.ExecutorService ahead = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "hmmfuzz-generator");
      t.setDaemon(true);
      return t;
    });
    long seed = seeds.nextLong();
    long followingSeed = seeds.nextLong();
    Program following = gen.generate(seed);
    java.util.concurrent.Future<Program> next = ahead.submit(generating(gen, followingSeed));
    try {
      while (System.nanoTime() < deadline && !stopRequested.getAsBoolean()
          && (settings.maxPrograms() == 0 || programs < settings.maxPrograms())
          && !(kernelLogFinding && settings.stopOnKernelLog())) {
        long index = settings.shard().program(programs);
        Program p = following;
        following = generated(next);
        long nextSeed = seeds.nextLong();
        next = ahead.submit(generating(gen, nextSeed));
        boolean last = settings.maxPrograms() != 0 && programs + 1 >= settings.maxPrograms();
        // The in-flight file names the one program that runs; queued, the next would be named while
        // this one still runs.
        RunResult r = runner.run(p, last || inFlight != null ? null : following);
        ops += r.opsExecuted();
        boolean newFinding = false;
        if (r.diverged()) {
          Divergence found = r.divergence();
          Shrunk shrunk = ledger.count(found.signature(), index) ? null : pinAndShrink(precise, runner, p, found, ledger,
              index);
          Reduction red = shrunk == null ? null : shrunk.reduction();
          // A new kernel report taints the kernel: stop, so that a host boots a fresh one. A known one is
          // counted and the campaign goes on only where each program re-arms WARN_ON_ONCE: elsewhere the
          // warning would be silent the next time (a livelock after it looked like a bare hang).
          kernelLogFinding |= (red != null && red.divergence().report() != null)
              || (found.report() != null && !target.rearmsOneShotReports());
          if (red != null && (shrunk.sameAs() < 0 || red.program().size() < ledger.findings.get(shrunk.sameAs()).ops())) {
            Reproducer rep = reproducer(caps, red, seed, settings.profile().name()).with("program", Long.toString(index));
            Path file = save(settings.out(), rep, red);
            Signature sig = red.divergence().signature();
            if (shrunk.sameAs() < 0) {
              ledger.add(found(red, "divergence", file, index), sig);
              ledger.countAs(found.signature(), sig);
            } else {
              // Another symptom of a saved finding, with a shorter reproducer: it becomes the finding's.
              int i = shrunk.sameAs();
              CampaignSummary.Found shorter = found(red, "divergence", file, index);
              ledger.findings.set(i, ledger.findings.get(i).withReproducer(sig.text(), shorter.file(), shorter.ops(),
                  shorter.reproduced(), index));
            }
            listener.finding(new Finding(red, rep, file, seed));
            newFinding = true;
          }
        }
        programs++;
        seed = followingSeed;
        followingSeed = nextSeed;
        long now = System.nanoTime();
        if (now >= nextStatus || newFinding) {
          listener.status(stats(programs, ops, secondsBefore, start, ledger, tally));
          nextStatus = now + settings.statusEvery().toNanos();
        }
      }
    } finally {
      ahead.shutdownNow();
      runner.close();
    }
    return stats(programs, ops, secondsBefore, start, ledger, tally);
  }

  /** The seeds of a shard's programs in order: of every N seeds drawn from the base seed, the I-th. */
  private static final class ShardSeeds {
    private final SplittableRandom all;
    private final Shard shard;

    ShardSeeds(SplittableRandom all, Shard shard) {
      this.all = all;
      this.shard = shard;
    }

    long nextLong() {
      long mine = 0;
      for (int j = 0; j < shard.count(); j++) {
        long s = all.nextLong();
        if (j == shard.index()) {
          mine = s;
        }
      }
      return mine;
    }
  }

  private static java.util.concurrent.Callable<Program> generating(ProgramGenerator gen, long seed) {
    return () -> gen.generate(seed);
  }

  /** The program generated ahead; a failure to generate it is the generator's, thrown as it was. */
  private static Program generated(java.util.concurrent.Future<Program> next) {
    try {
      return next.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the next program was generated", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  /**
   * Tries the calls that decide the capabilities ({@link Probes}): a kernel that contradicts the rule
   * has a finding of kind probe, saved with the probe as its reproducer, and the campaign goes on with
   * the capabilities the rule gives (its programs meet the same contradiction as a repeat).
   */
  private void probe(Capabilities caps, Runner precise, Findings ledger, Listener listener) {
    for (Probes.Contradiction c : Probes.run(target)) {
      if (ledger.count(c.divergence().signature(), -1)) {
        continue;
      }
      Reduction red = Reduction.of(precise, c.probe().program(), c.divergence(), settings.reliabilityRuns());
      // The probed call answered against its rule (a capability contradicted), or the probe program met
      // another divergence, an ordinary finding.
      String kind = c.divergence().view() == Signature.View.OUTCOME
          && c.divergence().opIndex() == c.probe().program().size() - 1 ? "probe" : "divergence";
      Reproducer rep = reproducer(caps, red, 0, "probe").with("finding", kind);
      Path file = save(settings.out(), rep, red);
      Signature sig = red.divergence().signature();
      ledger.add(found(red, kind, file, -1), sig);
      ledger.countAs(c.divergence().signature(), sig);
      listener.finding(new Finding(red, rep, file, 0));
    }
  }

  /** The summary entry of a reduction saved as {@code file}, found in program {@code program}. */
  private static CampaignSummary.Found found(Reduction red, String kind, Path file, long program) {
    return new CampaignSummary.Found(red.divergence().signature().text(), kind, file.getFileName().toString(),
        red.program().size(), red.reproduced() + "/" + red.attempts(), 0, program);
  }

  private Stats stats(long programs, long ops, double secondsBefore, long start, Findings ledger, Tally tally) {
    Map<String, String> as = new java.util.TreeMap<>();
    ledger.countAs.forEach((k, v) -> as.put(k.text(), v.text()));
    double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
    progress = progress.plus(new Progress.Sample(Math.round(seconds * 10) / 10.0, programs, ops, ledger.findings.size()));
    return new Stats(programs, ops, seconds, List.copyOf(ledger.findings), ledger.knownRepeats(), tally.snapshot(), as,
        progress, tally.met());
  }

  /** How long the program running now (a campaign's or a shrink candidate) has been running. */
  public Duration sinceProgramStart() {
    return Duration.ofNanos(System.nanoTime() - programStarted);
  }

  /**
   * A divergence pinned and shrunk, and the saved finding it is another symptom of ({@code sameAs}, or -1
   * for a new finding).
   */
  private record Shrunk(Reduction reduction, int sameAs) {}

  /**
   * The divergence pinned and shrunk, or null if its signature as pinned (the views checked after every
   * op may show it first elsewhere) is already saved or known: then it is counted. A new signature that
   * is another symptom of a saved finding is counted for that finding and shrunk once, so that the finding
   * keeps its shortest reproducer; the signature then counts for the finding without being shrunk again.
   */
  private Shrunk pinAndShrink(Runner precise, Runner asFound, Program p, Divergence found, Findings ledger,
      long index) {
    long t0 = System.nanoTime();
    Reduction.Pinned pinned = Reduction.pin(precise, asFound, p, found);
    if (pinned == null) {
      return new Shrunk(Reduction.unreproduced(p, found, t0, asFound.viewEvery()), -1);
    }
    Signature sig = pinned.divergence().signature();
    if (!sig.equals(found.signature()) && ledger.count(sig, index)) {
      ledger.countAs(found.signature(), sig);
      return null;
    }
    Findings.Symptom same = ledger.symptomOf(pinned, p);
    if (same != null && same.known() != null) {
      ledger.knownSymptom(sig, same.known(), index);
      ledger.countAs(found.signature(), sig);
      return null; // another symptom of a finding saved elsewhere: counted for it, its reproducer kept there
    }
    if (same != null) {
      ledger.symptom(sig, same.finding(), index);
      ledger.countAs(found.signature(), sig);
    }
    return new Shrunk(Reduction.shrink(pinned, p, settings.reliabilityRuns(), t0), same == null ? -1 : same.finding());
  }

  /**
   * Generates programs from seeds 1, 2, ... until one diverges, then reduces it: how a planted bug is
   * looked for. Null if none of {@code maxPrograms} programs diverged.
   */
  public static Reduction findFirst(Target target, Profile profile, int maxPrograms, int reliabilityRuns) {
    ProgramGenerator gen = new ProgramGenerator(profile, target.capabilities(), target.forks(), target.ownsKernel());
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
    h.put("signature", red.divergence().signature().text());
    if (red.viewEvery() != 1) {
      h.put("view-every", Integer.toString(red.viewEvery()));
    }
    h.put("expect", "divergence");
    return new Reproducer(h, List.of(red.divergence().render(null).stripTrailing()), red.program());
  }

  static Path save(Path dir, Reproducer rep, Reduction red) {
    String sig = red.divergence().signature().slug();
    String hash = Integer.toHexString(ProgramText.print(red.program()).hashCode() & 0xfffffff);
    try {
      return Corpus.save(dir, rep.fs() + "-" + sig + "-" + hash, rep);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save reproducer in " + dir, e);
    }
  }
}
