package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Merged workers keep one finding per bug: a worker that learned another's finding counts it (and its
 * other symptoms) as known, and a finding whose signature another part saw as a symptom of its own joins
 * that one. (The merge of real shards is tested in targets' ShardMergeTests.)
 */
class ShardMergeSymptomTests {
  static final String TRUNCATE = "ftruncate/device-view/unexpected-success/R17";
  static final String DREAD = "dread/outcome/unexpected-success/R34";
  static final String MIGRATE = "migrate/device-view/unexpected-success/R38";

  private static CampaignSummary part(List<CampaignSummary.Found> found, List<CampaignSummary.KnownRepeat> known) {
    return new CampaignSummary(Campaign.TOOL_VERSION, 1, "device", List.of(), 8, "xfs", "vm", "6.1.192", "caps", 60,
        true, 100, 1000, 60, 16.7, found.size(), 0, found, known, Map.of(), Map.of(), null);
  }

  private static ShardMerge.Part named(String name, CampaignSummary s) {
    return new ShardMerge.Part(name, s);
  }

  @Test
  void aWorkerThatCountedAnotherWorkersFindingAsKnownAddsToIt() {
    CampaignSummary a = part(List.of(new CampaignSummary.Found(TRUNCATE, "divergence", "t.repro", 3, "5/5", 4, 7)),
        List.of());
    // Worker 1 met the finding 6 times after learning it, 2 of them as a dread's outcome.
    CampaignSummary b = part(List.of(), List.of(new CampaignSummary.KnownRepeat(TRUNCATE,
        "an earlier boot of this campaign", 6, Map.of(DREAD, 2L))));
    CampaignSummary m = ShardMerge.merge(List.of(named("0", a), named("1", b))).summary();
    assertEquals(1, m.findings().size(), m.findings().toString());
    CampaignSummary.Found f = m.findings().get(0);
    assertEquals(TRUNCATE, f.signature());
    assertEquals(4 + 6, f.others());
    assertEquals(Map.of(DREAD, 2L), f.seenAs());
    assertEquals(List.of(), m.known(), "another worker's finding is not a known one");
  }

  @Test
  void aFindingAnotherPartSawAsASymptomOfItsOwnJoinsIt() {
    // Worker 0 saved the truncate and counted migrate's divergences as its symptom; worker 1, before
    // learning it, saved migrate's as a finding of its own (and met it twice more).
    CampaignSummary a = part(List.of(new CampaignSummary.Found(TRUNCATE, "divergence", "t.repro", 3, "5/5", 5, 7,
        Map.of(MIGRATE, 3L))), List.of());
    CampaignSummary b = part(List.of(new CampaignSummary.Found(MIGRATE, "divergence", "m.repro", 6, "5/5", 2, 3)),
        List.of());
    for (List<ShardMerge.Part> order : List.of(List.of(named("0", a), named("1", b)),
        List.of(named("1", b), named("0", a)))) {
      ShardMerge.Result r = ShardMerge.merge(order);
      CampaignSummary m = r.summary();
      assertEquals(1, m.findings().size(), m.findings().toString());
      CampaignSummary.Found f = m.findings().get(0);
      assertEquals(TRUNCATE, f.signature(), "the shortest reproducer is kept");
      assertEquals("t.repro", f.file());
      assertEquals("0", r.from().get("t.repro").name());
      assertEquals(5 + 1 + 2, f.others(), "every divergence of both");
      assertEquals(Map.of(MIGRATE, 3L + 1 + 2), f.seenAs());
    }
  }

  @Test
  void findingsOfUnrelatedSignaturesStayApart() {
    CampaignSummary a = part(List.of(new CampaignSummary.Found(TRUNCATE, "divergence", "t.repro", 3, "5/5", 0, 7)),
        List.of(new CampaignSummary.KnownRepeat("madvise/cpu-view/data/R66", "corpus/x.repro", 2)));
    CampaignSummary b = part(List.of(new CampaignSummary.Found(MIGRATE, "divergence", "m.repro", 6, "5/5", 0, 3)),
        List.of(new CampaignSummary.KnownRepeat("madvise/cpu-view/data/R66", "corpus/x.repro", 1)));
    CampaignSummary m = ShardMerge.merge(List.of(named("0", a), named("1", b))).summary();
    assertEquals(List.of(MIGRATE, TRUNCATE), m.findings().stream().map(CampaignSummary.Found::signature).toList());
    assertEquals(List.of(new CampaignSummary.KnownRepeat("madvise/cpu-view/data/R66", "corpus/x.repro", 3)),
        m.known());
  }

  /**
   * Worker 2 counted worker 0's finding as known and saw it as a migrate's symptom; worker 1, told so,
   * then counted migrate's divergences as known on their own: they all count for the one finding.
   */
  @Test
  void aSymptomLearnedFromAnotherWorkersKnownRepeatCountsForTheFinding() {
    CampaignSummary a = part(List.of(new CampaignSummary.Found(TRUNCATE, "divergence", "t.repro", 3, "5/5", 1, 7)),
        List.of());
    CampaignSummary b = part(List.of(), List.of(new CampaignSummary.KnownRepeat(MIGRATE,
        "an earlier boot of this campaign", 4)));
    CampaignSummary c = part(List.of(), List.of(new CampaignSummary.KnownRepeat(TRUNCATE,
        "an earlier boot of this campaign", 3, Map.of(MIGRATE, 2L))));
    CampaignSummary m = ShardMerge.merge(List.of(named("0", a), named("1", b), named("2", c))).summary();
    assertEquals(List.of(), m.known());
    assertEquals(1, m.findings().size());
    assertEquals(1 + 4 + 3, m.findings().get(0).others());
    assertEquals(Map.of(MIGRATE, 4L + 2), m.findings().get(0).seenAs());
  }

  /** Three parts whose findings chain by what they were seen as end as one finding, in any order. */
  @Test
  void findingsChainedBySymptomsAreOne() {
    CampaignSummary a = part(List.of(new CampaignSummary.Found(TRUNCATE, "divergence", "t.repro", 3, "5/5", 0, 7)),
        List.of());
    CampaignSummary b = part(List.of(new CampaignSummary.Found(MIGRATE, "divergence", "m.repro", 6, "5/5", 0, 9)),
        List.of());
    CampaignSummary c = part(List.of(new CampaignSummary.Found(DREAD, "divergence", "d.repro", 5, "5/5", 2, 8,
        Map.of(TRUNCATE, 1L, MIGRATE, 1L))), List.of());
    for (List<ShardMerge.Part> order : List.of(List.of(named("0", a), named("1", b), named("2", c)),
        List.of(named("2", c), named("1", b), named("0", a)), List.of(named("1", b), named("0", a), named("2", c)))) {
      CampaignSummary m = ShardMerge.merge(order).summary();
      assertEquals(1, m.findings().size(), m.findings().toString());
      assertEquals(TRUNCATE, m.findings().get(0).signature());
      assertEquals(1 + 1 + 3 - 1, m.findings().get(0).others());
    }
  }
}
