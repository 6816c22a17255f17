package io.hmmfuzz.gen;

import java.util.List;
import java.util.Map;

/**
 * A campaign's {@code summary.json}: what it ran, one entry per finding (signature), the repeats of
 * each known finding, and the state {@code fuzz --resume} continues from. Written from a campaign's
 * start and every few seconds, so a killed campaign leaves statistics at most a few seconds old; a VM
 * host reads its guests' summaries back as this same record.
 *
 * @param seed            the base seed: program {@code i} runs the {@code i}-th seed drawn from it
 * @param without         ops left out of the profile
 * @param viewEvery       the view interval
 * @param durationSeconds how long the campaign was asked to run (a resumed one runs what is left)
 * @param finished        false while it runs, and for one that was killed
 * @param programs        programs run: the next program of a resumed campaign is this index
 * @param divergences     findings, as {@code findings.size()}
 * @param repeats         divergences counted instead of shrunk: the others of each finding and the known repeats
 * @param findings        one entry per signature, in the order found
 * @param known           the known findings ({@code --known}) this campaign met, with how often
 * @param outcomes        each op kind's outcomes on the kernel ("load:SIGBUS")
 * @param countedAs       signatures as found (views every few ops) and the signature each pinned to and
 *                        is counted as, so that a resumed campaign counts them as this one did
 * @param vm              boots, hangs and crashes, for a campaign across VM guests (null otherwise)
 * @param shard           the part of the seed space it ran ({@link Shard}, {@code I/N}; null: all of it, or
 *                        shards merged into the whole); program indices are global
 * @param progress        the totals over time (for the report's plots)
 * @param met             per op kind, the kinds that met it later on the same pages of a file or anonymous
 *                        mapping, with the programs they met in ({@link io.hmmfuzz.core.run.Tally#met})
 */
public record CampaignSummary(String tool, long seed, String profile, List<String> without, int viewEvery, String fs, String target, String kernel,
    String caps, double durationSeconds, boolean finished, long programs, long ops, double seconds,
    double opsPerSecond, int divergences, long repeats, List<Found> findings, List<KnownRepeat> known,
    Map<String, Long> outcomes, Map<String, String> countedAs, Vm vm, String shard, Progress progress,
    Map<String, Map<String, Long>> met) {

  public CampaignSummary {
    met = met == null ? Map.of() : met;
    without = without == null ? List.of() : List.copyOf(without);
    findings = findings == null ? List.of() : List.copyOf(findings);
    known = known == null ? List.of() : List.copyOf(known);
    outcomes = outcomes == null ? Map.of() : Map.copyOf(outcomes);
    countedAs = countedAs == null ? Map.of() : Map.copyOf(countedAs);
    progress = progress == null ? Progress.NONE : progress;
  }

  /** A summary of the whole seed space (no shard). */
  public CampaignSummary(String tool, long seed, String profile, List<String> without, int viewEvery, String fs,
      String target, String kernel, String caps, double durationSeconds, boolean finished, long programs, long ops,
      double seconds, double opsPerSecond, int divergences, long repeats, List<Found> findings, List<KnownRepeat> known,
      Map<String, Long> outcomes, Map<String, String> countedAs, Vm vm) {
    this(tool, seed, profile, without, viewEvery, fs, target, kernel, caps, durationSeconds, finished, programs, ops,
        seconds, opsPerSecond, divergences, repeats, findings, known, outcomes, countedAs, vm, null, null, null);
  }

  /** This summary as shard {@code shard}'s ({@link Shard#WHOLE}: of the whole seed space). */
  public CampaignSummary withShard(Shard shard) {
    return new CampaignSummary(tool, seed, profile, without, viewEvery, fs, target, kernel, caps, durationSeconds,
        finished, programs, ops, seconds, opsPerSecond, divergences, repeats, findings, known, outcomes, countedAs, vm,
        shard.whole() ? null : shard.toString(), progress, met);
  }

  /** This summary with its course over time. */
  public CampaignSummary withProgress(Progress p) {
    return new CampaignSummary(tool, seed, profile, without, viewEvery, fs, target, kernel, caps, durationSeconds,
        finished, programs, ops, seconds, opsPerSecond, divergences, repeats, findings, known, outcomes, countedAs, vm,
        shard, p, met);
  }

  /**
   * One finding: its signature, its reproducer (the shortest of its divergences: the one shrunk), and
   * how many other divergences with the same signature were counted instead of being shrunk again.
   *
   * @param kind       divergence, probe (a capability probe that contradicted its rule), hang or crash
   * @param program    the index of the program it was found in (-1: the probe), so that a resumed
   *                   campaign counts nothing twice
   * @param reproduced k/n final runs that diverged the same way
   * @param seenAs     other signatures counted as this finding, with how often: divergences that went
   *                   away without the ops of this finding's culprit kind (the bug showing after a later op)
   */
  public record Found(String signature, String kind, String file, int ops, String reproduced, long others,
      long program, Map<String, Long> seenAs) {
    public Found {
      seenAs = seenAs == null ? Map.of() : Map.copyOf(seenAs);
    }

    public Found(String signature, String kind, String file, int ops, String reproduced, long others, long program) {
      this(signature, kind, file, ops, reproduced, others, program, Map.of());
    }

    public Found withOthers(long n) {
      return new Found(signature, kind, file, ops, reproduced, n, program, seenAs);
    }

    /** The divergences counted under the finding's own signature, itself included (the rest are under {@code seenAs}). */
    public long ownCount() {
      return 1 + others - seenAs.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One more divergence counted as this finding, with signature {@code as}. */
    public Found counted(String as) {
      return counted(as, 1);
    }

    /** {@code n} more divergences counted as this finding, with signature {@code as}. */
    public Found counted(String as, long n) {
      Map<String, Long> m = new java.util.TreeMap<>(seenAs);
      if (!as.equals(signature)) {
        m.merge(as, n, Long::sum);
      }
      return new Found(signature, kind, file, ops, reproduced, others + n, program, m);
    }

    /**
     * This finding with a shorter reproducer, of another of its signatures ({@code sig}, counted in
     * {@code seenAs} so far): that signature becomes the finding's, this one's moves to {@code seenAs}.
     */
    public Found withReproducer(String sig, String newFile, int newOps, String newReproduced, long newProgram) {
      Map<String, Long> m = new java.util.TreeMap<>(seenAs);
      m.remove(sig);
      m.put(signature, ownCount());
      return new Found(sig, kind, newFile, newOps, newReproduced, others, newProgram, m);
    }

    /** This finding with another's counts added (the same finding, seen in another guest boot). */
    public Found plus(Found other) {
      Map<String, Long> m = new java.util.TreeMap<>(seenAs);
      other.seenAs.forEach((k, v) -> m.merge(k, v, Long::sum));
      return new Found(signature, kind, file, ops, reproduced, others + 1 + other.others, program, m);
    }
  }

  /**
   * A known finding that this campaign met {@code count} times, and the reproducer it is known from.
   *
   * @param seenAs other signatures among the {@code count}, with how often: divergences that were another
   *               symptom of it (they went away without the ops of its culprit kind)
   */
  public record KnownRepeat(String signature, String file, long count, Map<String, Long> seenAs) {
    public KnownRepeat {
      seenAs = seenAs == null ? Map.of() : Map.copyOf(seenAs);
    }

    public KnownRepeat(String signature, String file, long count) {
      this(signature, file, count, Map.of());
    }

    /** The repeats under the known finding's own signature (the rest are under {@code seenAs}). */
    public long ownCount() {
      return count - seenAs.values().stream().mapToLong(Long::longValue).sum();
    }

    /** This repeat with another's counts added (the same known finding, met in another boot or worker). */
    public KnownRepeat plus(KnownRepeat other) {
      Map<String, Long> m = new java.util.TreeMap<>(seenAs);
      other.seenAs.forEach((k, v) -> m.merge(k, v, Long::sum));
      return new KnownRepeat(signature, file, count + other.count, m);
    }
  }

  /** A campaign across VM guest boots. */
  public record Vm(int boots, List<Double> bootSeconds, int hangs, int crashes) {}

  /**
   * The summary of a campaign on one target so far.
   *
   * @param stats           its counters
   * @param seed            its base seed
   * @param profile         its profile's name
   * @param without         the ops left out
   * @param target          the target's description
   * @param caps            the target's capabilities
   * @param durationSeconds how long it was asked to run
   */
  public static CampaignSummary of(Campaign.Stats stats, long seed, String profile, List<String> without, int viewEvery,
      String target, io.hmmfuzz.core.Capabilities caps, double durationSeconds, boolean finished) {
    return new CampaignSummary(Campaign.TOOL_VERSION, seed, profile, without, viewEvery, caps.fs().id(), target,
        caps.kernel().release(), caps.summary(), durationSeconds, finished, stats.programs(), stats.ops(),
        Math.round(stats.seconds() * 10) / 10.0, Math.round(stats.opsPerSecond() * 10) / 10.0, stats.divergences(),
        stats.repeats(), stats.findings(), stats.known(), stats.outcomes(), stats.countedAs(), null, null,
        stats.progress(), stats.met());
  }

  /** The divergences counted instead of shrunk: the others of every finding plus every known repeat. */
  public static long repeatsOf(List<Found> findings, List<KnownRepeat> known) {
    return findings.stream().mapToLong(Found::others).sum() + known.stream().mapToLong(KnownRepeat::count).sum();
  }
}
