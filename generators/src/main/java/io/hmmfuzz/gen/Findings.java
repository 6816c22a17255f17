package io.hmmfuzz.gen;

import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A campaign's findings by signature, and the known findings it met: what decides "count it, do not
 * shrink it again". A campaign keeps one finding per bug: each saved finding's own signature, the
 * signatures it was also seen as (another symptom of it), and the signatures as found that pinned to
 * one of those all count for it.
 */
final class Findings {

  final Map<Signature, Integer> bySignature = new HashMap<>();
  /**
   * Signatures as found (the campaign's views every few ops) that pinned as another: counted as that
   * one from then on, without pinning again.
   */
  final Map<Signature, Signature> countAs = new HashMap<>();
  final List<CampaignSummary.Found> findings = new ArrayList<>();
  final Map<Signature, Campaign.Known> known = new LinkedHashMap<>();
  final Map<Signature, Long> knownCounts = new LinkedHashMap<>();
  /** Signatures pinned as another symptom of a known finding (one an earlier boot saved, say): counted for it. */
  final Map<Signature, Signature> knownAs = new HashMap<>();
  /** Per known finding, the other signatures counted for it, with how often. */
  final Map<Signature, Map<String, Long>> knownSeenAs = new HashMap<>();

  Findings(List<Campaign.Known> known, CampaignSummary resume) {
    known.forEach(k -> this.known.putIfAbsent(k.signature(), k));
    if (resume != null) {
      for (CampaignSummary.Found f : resume.findings()) {
        Signature s = Signature.parse(f.signature());
        if (s != null) {
          bySignature.put(s, findings.size());
        }
        for (String as : f.seenAs().keySet()) {
          Signature a = Signature.parse(as);
          if (a != null) {
            bySignature.putIfAbsent(a, findings.size());
          }
        }
        findings.add(f);
      }
      resume.countedAs().forEach((k, v) -> {
        Signature found = Signature.parse(k);
        Signature as = Signature.parse(v);
        if (found != null && as != null) {
          countAs.put(found, as);
        }
      });
      for (CampaignSummary.KnownRepeat k : resume.known()) {
        Signature s = Signature.parse(k.signature());
        if (s != null) {
          this.known.putIfAbsent(s, new Campaign.Known(s, k.file()));
          knownCounts.put(s, k.count());
          k.seenAs().forEach((as, n) -> {
            Signature a = Signature.parse(as);
            if (a != null) {
              knownAs.putIfAbsent(a, s);
              knownSeenAs.computeIfAbsent(s, x -> new java.util.TreeMap<>()).put(as, n);
            }
          });
        }
      }
    }
  }

  /**
   * Counts a divergence of program {@code program} with signature {@code s} if it is already saved or
   * known; false if it is new. A saved finding's own program does not count again (a resumed campaign
   * re-runs the programs after its last state, among them perhaps the one it was found in).
   */
  boolean count(Signature found, long program) {
    Signature s = countAs.getOrDefault(found, found);
    Integer i = bySignature.get(s);
    if (i != null) {
      CampaignSummary.Found f = findings.get(i);
      if (program != f.program()) {
        findings.set(i, f.counted(s.text()));
      }
      return true;
    }
    Signature k = knownAs.getOrDefault(s, s);
    if (known.containsKey(k)) {
      knownCounts.merge(k, 1L, Long::sum);
      if (!k.equals(s)) {
        knownSeenAs.computeIfAbsent(k, x -> new java.util.TreeMap<>()).merge(s.text(), 1L, Long::sum);
      }
      return true;
    }
    return false;
  }

  /** From now on a divergence found as {@code found} counts as {@code pinned}, what it pinned to. */
  void countAs(Signature found, Signature pinned) {
    if (!found.equals(pinned)) {
      countAs.putIfAbsent(found, pinned);
    }
  }

  /** Counts a divergence as another symptom of finding {@code i}, under its own signature {@code s}, from now on. */
  void symptom(Signature s, int i, long program) {
    bySignature.putIfAbsent(s, i);
    count(s, program);
  }

  /** Counts a divergence as another symptom of known finding {@code known}, under its own signature {@code s}, from now on. */
  void knownSymptom(Signature s, Signature known, long program) {
    knownAs.putIfAbsent(s, known);
    count(s, program);
  }

  /** A new finding, with its signature {@code s}. */
  void add(CampaignSummary.Found f, Signature s) {
    bySignature.putIfAbsent(s, findings.size());
    findings.add(f);
  }

  List<CampaignSummary.KnownRepeat> knownRepeats() {
    List<CampaignSummary.KnownRepeat> out = new ArrayList<>();
    knownCounts.forEach((s, n) -> out.add(new CampaignSummary.KnownRepeat(s.text(), known.get(s).file(), n,
        knownSeenAs.get(s))));
    return out;
  }

  /** What a pinned divergence is another symptom of: saved finding {@code finding}, or known finding {@code known}. */
  record Symptom(int finding, Signature known) {}

  /**
   * The saved or known finding (one an earlier boot or another worker of this campaign saved, or one
   * {@code --known} names) this pinned divergence is another symptom of, or null. A finding whose culprit
   * op kind (or a sibling finding's: same view and class) the program has before the divergence, seen in
   * the same view or as the same class of mismatch (a mirror that kept a truncated page shows as a device
   * read's unexpected success in the device view, and as a dread's in the outcome), and without whose ops
   * of those kinds the program no longer diverges; or the same mismatch in the same view after an op of
   * the same kernel path (a reflink that left a mapping stale shows again after a later pwrite, and after
   * a clone; a truncate that kept the EOF tail shows again when the file is mapped). One run per
   * candidate, before any shrink; the finding then lists the signature under {@code seenAs}, so nothing is
   * hidden from the reader.
   */
  Symptom symptomOf(Reduction.Pinned pinned, Program p) {
    Divergence d = pinned.divergence();
    if (d.report() != null) {
      return null;
    }
    List<Signature> candidates = new ArrayList<>();
    for (CampaignSummary.Found f : findings) {
      candidates.add(Signature.parse(f.signature()));
    }
    int saved = candidates.size();
    candidates.addAll(known.keySet());
    for (int i = 0; i < candidates.size(); i++) {
      Signature f = candidates.get(i);
      if (f == null || f.op().equals("-") || f.op().equals(d.signature().op())) {
        continue;
      }
      boolean sameView = f.view() == d.view();
      boolean sameClass = f.mismatch().equals(d.signature().mismatch());
      if (!sameView && !sameClass) {
        continue;
      }
      Symptom found = i < saved ? new Symptom(i, null) : new Symptom(-1, f);
      OpKind fk = OpKind.byId(f.op());
      if (fk != null && sameView && sameClass && fk.kernelPath().equals(p.op(d.opIndex()).kind().kernelPath())) {
        return found; // the same mismatch after another op of the same kernel path (a clone, then a reflink)
      }
      // The kernel paths of this finding's culprit and of its siblings' (same view and class): the same
      // bug entered through another op of the path (clone and reflink share remap_file_range).
      Set<String> culprits = new HashSet<>();
      for (Signature o : candidates) {
        if (o != null && o.view() == f.view() && (o.equals(f) || o.mismatch().equals(f.mismatch()))) {
          OpKind k = OpKind.byId(o.op());
          if (k != null) {
            culprits.add(k.kernelPath());
          }
        }
      }
      if (culprits.contains(p.op(d.opIndex()).kind().kernelPath())) {
        continue;
      }
      List<Op> kept = new ArrayList<>();
      for (int j = 0; j <= d.opIndex(); j++) {
        if (!culprits.contains(p.op(j).kind().kernelPath())) {
          kept.add(p.op(j));
        }
      }
      if (kept.size() == d.opIndex() + 1) {
        continue;
      }
      Program q = p.withOps(kept);
      if (q.valid() && !pinned.runner().run(q).diverged()) {
        return found;
      }
    }
    return null;
  }
}
