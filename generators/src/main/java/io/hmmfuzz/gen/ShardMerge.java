package io.hmmfuzz.gen;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Campaign outputs joined by signature ({@code hmmfuzz corpus merge}): the shards of one campaign
 * ({@code --shard I/N} with one base seed), or campaigns of the same kernel, filesystem and profile run
 * apart. One finding per signature: for shards the one found in the lowest program (as one campaign over
 * the same seeds would have kept: it shrinks the first and counts the rest), else the shortest; the
 * others' divergences are counted for it. Counts, outcomes and known repeats add up; the time is the
 * longest part's (the parts ran side by side).
 */
public final class ShardMerge {
  private ShardMerge() {}

  /** One campaign output: where it is (as the caller names it) and its summary. */
  public record Part(String name, CampaignSummary summary) {}

  /**
   * The merged summary, and for each of its findings the part whose reproducer file it keeps.
   *
   * @param from finding's file name → the part it comes from
   */
  public record Result(CampaignSummary summary, Map<String, Part> from) {}

  /** @throws IllegalArgumentException naming the part that does not belong with the first */
  public static Result merge(List<Part> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    CampaignSummary first = parts.get(0).summary();
    boolean sharded = first.shard() != null;
    TreeSet<Integer> indices = new TreeSet<>();
    int count = 0;
    for (Part p : parts) {
      CampaignSummary s = p.summary();
      same(p, "kernel", first.kernel(), s.kernel());
      same(p, "filesystem", first.fs(), s.fs());
      same(p, "capabilities", first.caps(), s.caps());
      same(p, "profile", first.profile(), s.profile());
      same(p, "view interval", Integer.toString(first.viewEvery()), Integer.toString(s.viewEvery()));
      if ((s.shard() != null) != sharded) {
        throw new IllegalArgumentException(p.name() + ": " + (sharded ? "not a shard, unlike " : "a shard, unlike ")
            + parts.get(0).name());
      }
      if (sharded) {
        same(p, "base seed", Long.toString(first.seed()), Long.toString(s.seed()));
        Shard sh = Shard.parse(s.shard(), Map.of());
        if (count != 0 && sh.count() != count) {
          throw new IllegalArgumentException(p.name() + ": shard " + sh + " of another split than " + count);
        }
        count = sh.count();
        if (!indices.add(sh.index())) {
          throw new IllegalArgumentException(p.name() + ": shard " + sh + " given twice");
        }
      }
    }
    Comparator<Pick> order = sharded
        ? Comparator.comparingLong((Pick k) -> k.found().program()).thenComparingInt(k -> k.found().ops())
        : Comparator.comparingInt((Pick k) -> k.found().ops()).thenComparingLong(k -> k.found().program());
    Map<String, Pick> best = new LinkedHashMap<>();
    Map<String, Long> divergencesOf = new LinkedHashMap<>();
    Map<String, Map<String, Long>> seenAs = new LinkedHashMap<>();
    Map<String, Long> known = new TreeMap<>();
    Map<String, String> knownFile = new TreeMap<>();
    Map<String, Long> outcomes = new TreeMap<>();
    Map<String, Map<String, Long>> met = Map.of();
    Map<String, String> countedAs = new TreeMap<>();
    long programs = 0;
    long ops = 0;
    double seconds = 0;
    double asked = 0;
    boolean finished = true;
    CampaignSummary.Vm vm = null;
    for (Part p : parts) {
      CampaignSummary s = p.summary();
      for (CampaignSummary.Found f : s.findings()) {
        Pick k = new Pick(p, f);
        best.merge(f.signature(), k, (a, b) -> order.compare(a, b) <= 0 ? a : b);
        divergencesOf.merge(f.signature(), 1 + f.others(), Long::sum);
        Map<String, Long> as = seenAs.computeIfAbsent(f.signature(), x -> new TreeMap<>());
        f.seenAs().forEach((sig, n) -> as.merge(sig, n, Long::sum));
      }
      for (CampaignSummary.KnownRepeat r : s.known()) {
        known.merge(r.signature(), r.count(), Long::sum);
        knownFile.putIfAbsent(r.signature(), r.file());
      }
      s.outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
      met = io.hmmfuzz.core.run.Tally.sum(met, s.met());
      s.countedAs().forEach(countedAs::putIfAbsent);
      programs += s.programs();
      ops += s.ops();
      seconds = Math.max(seconds, s.seconds());
      asked = Math.max(asked, s.durationSeconds());
      finished &= s.finished();
      if (s.vm() != null) {
        List<Double> boots = new ArrayList<>(vm == null ? List.of() : vm.bootSeconds());
        boots.addAll(s.vm().bootSeconds());
        vm = new CampaignSummary.Vm((vm == null ? 0 : vm.boots()) + s.vm().boots(), boots,
            (vm == null ? 0 : vm.hangs()) + s.vm().hangs(), (vm == null ? 0 : vm.crashes()) + s.vm().crashes());
      }
    }
    List<CampaignSummary.Found> findings = new ArrayList<>();
    Map<String, Part> from = new LinkedHashMap<>();
    best.values().stream().sorted(Comparator.comparingLong((Pick k) -> k.found().program())).forEach(k -> {
      CampaignSummary.Found f = k.found();
      findings.add(new CampaignSummary.Found(f.signature(), f.kind(), f.file(), f.ops(), f.reproduced(),
          divergencesOf.get(f.signature()) - 1, f.program(), seenAs.get(f.signature())));
      from.put(f.file(), k.part());
    });
    List<CampaignSummary.KnownRepeat> knownRepeats = new ArrayList<>();
    known.forEach((sig, n) -> knownRepeats.add(new CampaignSummary.KnownRepeat(sig, knownFile.get(sig), n)));
    String shard = null;
    if (sharded && indices.size() < count) {
      shard = String.join(",", indices.stream().map(String::valueOf).toList()) + "/" + count;
    }
    CampaignSummary merged = new CampaignSummary(first.tool(), first.seed(), first.profile(), first.without(),
        first.viewEvery(), first.fs(), parts.size() + " merged: " + first.target(), first.kernel(), first.caps(), asked,
        finished, programs, ops, Math.round(seconds * 10) / 10.0,
        seconds > 0 ? Math.round(ops / seconds * 10) / 10.0 : 0, findings.size(),
        CampaignSummary.repeatsOf(findings, knownRepeats), findings, knownRepeats, outcomes, countedAs, vm, shard,
        Progress.sum(parts.stream().map(p -> p.summary().progress()).toList(), findings.size()), met);
    return new Result(merged, from);
  }

  private record Pick(Part part, CampaignSummary.Found found) {}

  private static void same(Part p, String what, String want, String got) {
    if (!java.util.Objects.equals(want, got)) {
      throw new IllegalArgumentException(p.name() + ": " + what + " " + got + ", not " + want
          + " as in the first: outputs of different campaigns cannot be merged");
    }
  }
}
