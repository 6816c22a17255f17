package io.hmmfuzz.guests;

import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.core.run.Tally;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The host's side of a campaign across boots: each boot's summary merged in (its programs, ops and
 * outcomes; its findings, one per signature, where a signature an earlier boot saved, as its own or as
 * one it was also seen as, counts as a repeat of that finding; its known repeats), the boots and their
 * boot times, the hangs and crashes; all of it as one {@link CampaignSummary}.
 */
public final class Ledger {
  private final long seed;
  private final String profile;
  private final List<String> without;
  private final int viewEvery;
  private final String fs;
  private final double durationSeconds;
  private final List<CampaignSummary.Found> found = new ArrayList<>();
  private final Map<String, CampaignSummary.KnownRepeat> known = new LinkedHashMap<>();
  private final Map<String, Long> outcomes = new TreeMap<>();
  private Map<String, Map<String, Long>> met = Map.of();
  private final List<Double> bootSeconds = new ArrayList<>();
  private long programs;
  private long ops;
  private int boots;
  private int hangs;
  private int crashes;
  private String kernel = "";
  private String caps = "";
  private String target = "";
  /** The totals at each summary taken while the campaign runs. */
  private io.hmmfuzz.gen.Progress progress = io.hmmfuzz.gen.Progress.NONE;

  public Ledger(long seed, String profile, List<String> without, int viewEvery, String fs, double durationSeconds) {
    this.seed = seed;
    this.profile = profile;
    this.without = List.copyOf(without);
    this.viewEvery = viewEvery;
    this.fs = fs;
    this.durationSeconds = durationSeconds;
  }

  /** The finding with this signature, as its own or as one it was also seen as; -1 if none. */
  public int indexOf(String signature) {
    for (int i = 0; i < found.size(); i++) {
      if (found.get(i).signature().equals(signature) || found.get(i).seenAs().containsKey(signature)) {
        return i;
      }
    }
    return -1;
  }

  /** Adds a finding, or counts it as another of the one saved with its signature; true if it is new. */
  public boolean add(CampaignSummary.Found f) {
    int i = indexOf(f.signature());
    if (i >= 0) {
      found.set(i, found.get(i).plus(f));
      return false;
    }
    found.add(f);
    return true;
  }

  /**
   * A known repeat: one of an earlier boot's finding (or of another worker's, seen after a merge) counts
   * for it, with the other signatures it was seen as; the rest per known finding.
   */
  public void addKnown(CampaignSummary.KnownRepeat k) {
    int i = indexOf(k.signature());
    if (i >= 0) {
      CampaignSummary.Found f = found.get(i);
      if (k.ownCount() > 0) {
        f = f.counted(k.signature(), k.ownCount());
      }
      for (Map.Entry<String, Long> as : k.seenAs().entrySet()) {
        f = f.counted(as.getKey(), as.getValue());
      }
      found.set(i, f);
    } else {
      known.merge(k.signature(), k, CampaignSummary.KnownRepeat::plus);
    }
  }

  /** One more boot (counted whether or not the guest came up). */
  public void boot() {
    boots++;
  }

  /** The boot that came up, in {@code seconds}. */
  public void booted(double seconds) {
    bootSeconds.add(seconds);
  }

  /** A new finding of kind {@code kind} ({@link Death#HANG} or {@link Death#CRASH}) saved from a guest's death. */
  public void died(String kind) {
    if (Death.HANG.equals(kind)) {
      hangs++;
    } else {
      crashes++;
    }
  }

  /**
   * The kernel, capabilities and target of the boot that runs now, known from its start (its summary
   * comes when it ends), so that the campaign's summary names them while its first boot runs.
   */
  public void running(String kernel, String caps, String target) {
    this.kernel = kernel;
    this.caps = caps;
    this.target = target;
  }

  /** A boot's summary merged in: its counts, its findings and its known repeats; its kernel and target. */
  public void merge(CampaignSummary boot) {
    if (boot == null) {
      return;
    }
    programs += boot.programs();
    ops += boot.ops();
    kernel = boot.kernel();
    caps = boot.caps();
    target = boot.target();
    boot.findings().forEach(this::add);
    boot.known().forEach(this::addKnown);
    boot.outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
    met = Tally.sum(met, boot.met());
  }

  /** Every saved finding's signature and the others it was seen as: counted in later boots, not shrunk again. */
  public List<Signature> saved() {
    return saved(found);
  }

  /** The signatures of {@code findings} and the others each was seen as. */
  static List<Signature> saved(List<CampaignSummary.Found> findings) {
    List<Signature> out = new ArrayList<>();
    for (CampaignSummary.Found f : findings) {
      for (String s : f.seenAs().keySet()) {
        Signature p = Signature.parse(s);
        if (p != null) {
          out.add(p);
        }
      }
      Signature p = Signature.parse(f.signature());
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  public int boots() {
    return boots;
  }


  /**
   * The campaign so far, with the boot that runs now merged in as far as it got ({@code running}: its
   * programs, ops, outcomes and the findings it saved so far), so that summary.json and
   * the course of findings show a finding when it is saved, not when its boot ends. The boot joins for
   * good when it ends ({@link #merge}).
   */
  public CampaignSummary summary(double seconds, boolean finished, Campaign.Stats running) {
    Ledger now = copy();
    now.programs += running.programs();
    now.ops += running.ops();
    running.findings().forEach(now::add);
    running.known().forEach(now::addKnown);
    running.outcomes().forEach((k, v) -> now.outcomes.merge(k, v, Long::sum));
    now.met = Tally.sum(now.met, running.met());
    CampaignSummary s = now.summary(seconds, finished);
    progress = now.progress;
    return s;
  }

  private Ledger copy() {
    Ledger c = new Ledger(seed, profile, without, viewEvery, fs, durationSeconds);
    c.found.addAll(found);
    c.known.putAll(known);
    c.outcomes.putAll(outcomes);
    c.met = met;
    c.bootSeconds.addAll(bootSeconds);
    c.programs = programs;
    c.ops = ops;
    c.boots = boots;
    c.hangs = hangs;
    c.crashes = crashes;
    c.kernel = kernel;
    c.caps = caps;
    c.target = target;
    c.progress = progress;
    return c;
  }

  /** The campaign so far, {@code seconds} into it. */
  public CampaignSummary summary(double seconds, boolean finished) {
    List<CampaignSummary.KnownRepeat> k = List.copyOf(known.values());
    progress = progress.plus(new io.hmmfuzz.gen.Progress.Sample(Math.round(seconds * 10) / 10.0, programs, ops,
        found.size()));
    return new CampaignSummary(Campaign.TOOL_VERSION, seed, profile, without, viewEvery, fs, "vm: " + target, kernel,
        caps, durationSeconds, finished, programs, ops, Math.round(seconds * 10) / 10.0,
        seconds > 0 ? Math.round(ops / seconds * 10) / 10.0 : 0, found.size(), CampaignSummary.repeatsOf(found, k),
        found, k, outcomes, Map.of(), new CampaignSummary.Vm(boots, List.copyOf(bootSeconds), hangs, crashes), null,
        progress, met);
  }
}
