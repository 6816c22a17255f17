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
    if (known.containsKey(s)) {
      knownCounts.merge(s, 1L, Long::sum);
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

  /** A new finding, with its signature {@code s}. */
  void add(CampaignSummary.Found f, Signature s) {
    bySignature.putIfAbsent(s, findings.size());
    findings.add(f);
  }

  List<CampaignSummary.KnownRepeat> knownRepeats() {
    List<CampaignSummary.KnownRepeat> out = new ArrayList<>();
    knownCounts.forEach((s, n) -> out.add(new CampaignSummary.KnownRepeat(s.text(), known.get(s).file(), n)));
    return out;
  }

  /**
   * The saved finding this pinned divergence is another symptom of, or -1: one seen in the same view whose
   * culprit op kind (or a sibling finding's: same view and class) the program has before the divergence,
   * and without whose ops of those kinds the program no longer diverges, or the same mismatch after an op
   * of the same kernel path (a reflink that left a mapping stale shows again after a later pwrite, and
   * after a clone; a truncate that kept the EOF tail shows again when the file is mapped). One run per
   * candidate, before any shrink; the finding then lists the signature under {@code seenAs}, so nothing
   * is hidden from the reader.
   */
  int symptomOf(Reduction.Pinned pinned, Program p) {
    Divergence d = pinned.divergence();
    if (d.report() != null) {
      return -1;
    }
    for (int i = 0; i < findings.size(); i++) {
      Signature f = Signature.parse(findings.get(i).signature());
      if (f == null || f.view() != d.view() || f.op().equals("-") || f.op().equals(d.signature().op())) {
        continue;
      }
      OpKind fk = OpKind.byId(f.op());
      if (fk != null && f.mismatch().equals(d.signature().mismatch())
          && fk.kernelPath().equals(p.op(d.opIndex()).kind().kernelPath())) {
        return i; // the same mismatch after another op of the same kernel path (a clone, then a reflink)
      }
      // The kernel paths of this finding's culprit and of its siblings' (same view and class): the same
      // bug entered through another op of the path (clone and reflink share remap_file_range).
      Set<String> culprits = new HashSet<>();
      for (CampaignSummary.Found other : findings) {
        Signature o = Signature.parse(other.signature());
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
        return i;
      }
    }
    return -1;
  }
}
