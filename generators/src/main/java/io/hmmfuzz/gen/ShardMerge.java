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
 * apart. One finding per signature, and per group of signatures where a part saw one as another symptom
 * of its finding ({@code seenAs}): for shards the one found in the lowest program (as one campaign over
 * the same seeds would have kept: it shrinks the first and counts the rest), else the shortest; the
 * others' divergences are counted for it, and so are a part's known repeats of it (a worker counts the
 * findings its campaign's other workers saved as known). Counts, outcomes and known repeats add up; the
 * time is the longest part's (the parts ran side by side).
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
    Map<String, String> group = new LinkedHashMap<>();
    Map<String, List<Pick>> members = new LinkedHashMap<>();
    Map<String, List<CampaignSummary.KnownRepeat>> knownOf = new LinkedHashMap<>();
    Map<String, CampaignSummary.KnownRepeat> known = new TreeMap<>();
    Map<String, Long> outcomes = new TreeMap<>();
    Map<String, Map<String, Long>> met = Map.of();
    Map<String, String> countedAs = new TreeMap<>();
    long programs = 0;
    long ops = 0;
    double seconds = 0;
    double asked = 0;
    boolean finished = true;
    CampaignSummary.Vm vm = null;
    // One group per bug: a finding's signature and those it was seen as, joined wherever two share one;
    // then a known repeat of a signature in a group (a worker counts another's finding, and its other
    // symptoms, as known) brings in those it was seen as, until no group grows. A known repeat of a
    // finding from elsewhere (--known) joins nothing.
    for (Part p : parts) {
      for (CampaignSummary.Found f : p.summary().findings()) {
        f.seenAs().keySet().forEach(as -> union(group, f.signature(), as));
        root(group, f.signature());
      }
    }
    for (boolean grew = true; grew; ) {
      grew = false;
      for (Part p : parts) {
        for (CampaignSummary.KnownRepeat r : p.summary().known()) {
          if (group.containsKey(r.signature())) {
            for (String as : r.seenAs().keySet()) {
              grew |= union(group, r.signature(), as);
            }
          }
        }
      }
    }
    for (Part p : parts) {
      for (CampaignSummary.Found f : p.summary().findings()) {
        members.computeIfAbsent(root(group, f.signature()), x -> new ArrayList<>()).add(new Pick(p, f));
      }
    }
    for (Part p : parts) {
      CampaignSummary s = p.summary();
      for (CampaignSummary.KnownRepeat r : s.known()) {
        // A finding another part saved, met here as known (a worker counts its campaign's earlier findings
        // so), counts for that finding.
        String key = group.containsKey(r.signature()) ? root(group, r.signature()) : null;
        if (key != null && members.containsKey(key)) {
          knownOf.computeIfAbsent(key, x -> new ArrayList<>()).add(r);
        } else {
          known.merge(r.signature(), r, CampaignSummary.KnownRepeat::plus);
        }
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
    members.entrySet().stream()
        .map(e -> joined(e.getValue(), knownOf.getOrDefault(e.getKey(), List.of()), order))
        .sorted(Comparator.comparingLong((Pick k) -> k.found().program()))
        .forEach(k -> {
          findings.add(k.found());
          from.put(k.found().file(), k.part());
        });
    List<CampaignSummary.KnownRepeat> knownRepeats = List.copyOf(known.values());
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

  /** The group of signature {@code s} (union-find over {@code parent}; a new signature is its own). */
  private static String root(Map<String, String> parent, String s) {
    String r = s;
    while (!parent.getOrDefault(r, r).equals(r)) {
      r = parent.get(r);
    }
    parent.putIfAbsent(s, r);
    for (String x = s; !x.equals(r); ) { // path compression
      String next = parent.get(x);
      parent.put(x, r);
      x = next;
    }
    return r;
  }

  /** Joins the groups of {@code a} and {@code b}; whether they were apart (a new signature is apart from all). */
  private static boolean union(Map<String, String> parent, String a, String b) {
    String ra = root(parent, a);
    String rb = root(parent, b);
    if (ra.equals(rb)) {
      return false;
    }
    parent.put(rb, ra);
    return true;
  }

  /**
   * One group's finding: the reproducer of the first in {@code order}, every member's divergences and
   * the known repeats of it counted for it, the members' other signatures under {@code seenAs}.
   */
  private static Pick joined(List<Pick> picks, List<CampaignSummary.KnownRepeat> repeats, Comparator<Pick> order) {
    Pick best = picks.stream().min(order).orElseThrow();
    CampaignSummary.Found b = best.found();
    long total = 0;
    Map<String, Long> as = new TreeMap<>();
    for (Pick k : picks) {
      CampaignSummary.Found f = k.found();
      total += 1 + f.others();
      f.seenAs().forEach((sig, n) -> as.merge(sig, n, Long::sum));
      as.merge(f.signature(), f.ownCount(), Long::sum);
    }
    for (CampaignSummary.KnownRepeat r : repeats) {
      total += r.count();
      r.seenAs().forEach((sig, n) -> as.merge(sig, n, Long::sum));
      as.merge(r.signature(), r.ownCount(), Long::sum);
    }
    as.remove(b.signature());
    as.values().removeIf(n -> n <= 0);
    return new Pick(best.part(), new CampaignSummary.Found(b.signature(), b.kind(), b.file(), b.ops(), b.reproduced(),
        total - 1, b.program(), as));
  }

  private static void same(Part p, String what, String want, String got) {
    if (!java.util.Objects.equals(want, got)) {
      throw new IllegalArgumentException(p.name() + ": " + what + " " + got + ", not " + want
          + " as in the first: outputs of different campaigns cannot be merged");
    }
  }
}
