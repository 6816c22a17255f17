package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Shard;
import io.hmmfuzz.gen.ShardMerge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --shard I/N} and {@code corpus merge}: the shards of one base seed run disjoint programs, and
 * their merge is the campaign one worker would have run over the same programs, up to ordering.
 */
class ShardMergeTests {
  private static final long SEED = 20261203;

  private static CampaignSummary campaign(LinuxTarget real, Shard shard, long programs, Path out) {
    PlantedBugTarget t = new PlantedBugTarget(real, PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL);
    Campaign.Stats s = new Campaign(t, new Campaign.Settings(Profile.eof(), SEED, Duration.ofMinutes(5), 8, out, 3,
        Duration.ofHours(1), programs, false, null, List.of(), null, shard)).run(new Campaign.Listener() {
          @Override
          public void status(Campaign.Stats stats) {}

          @Override
          public void finding(Campaign.Finding f) {}
        }, () -> false);
    return CampaignSummary.of(s, SEED, "eof", List.of(), 8, t.describe(), t.capabilities(), 300, true).withShard(shard);
  }

  /**
   * Every signature the campaign met: its findings' and those it counted as them (found first with
   * another signature and pinned, or another symptom of a finding).
   */
  private static java.util.Set<String> met(CampaignSummary s) {
    java.util.Set<String> m = new java.util.TreeSet<>(s.countedAs().keySet());
    s.findings().forEach(f -> {
      m.add(f.signature());
      m.addAll(f.seenAs().keySet());
    });
    return m;
  }

  @Test
  void theMergeOfTwoShardsIsOneCampaignOverTheSameSeeds(@TempDir Path dir) {
    try (LinuxTarget real = LinuxTarget.create(FsKind.TMPFS)) {
      CampaignSummary whole = campaign(real, Shard.WHOLE, 240, dir.resolve("whole"));
      CampaignSummary first = campaign(real, new Shard(0, 2), 120, dir.resolve("s0"));
      CampaignSummary second = campaign(real, new Shard(1, 2), 120, dir.resolve("s1"));
      assertFalse(whole.findings().isEmpty(), "the planted bug was not found: the test shows nothing");
      assertEquals("0/2", first.shard());
      assertTrue(first.findings().stream().allMatch(f -> f.program() % 2 == 0), "shard 0/2 ran an odd program");
      assertTrue(second.findings().stream().allMatch(f -> f.program() % 2 == 1), "shard 1/2 ran an even program");
      ShardMerge.Result r = ShardMerge.merge(List.of(new ShardMerge.Part("s1", second), new ShardMerge.Part("s0", first)));
      CampaignSummary merged = r.summary();
      assertNull(merged.shard(), "both shards given: the whole seed space");
      assertEquals(whole.programs(), merged.programs());
      assertEquals(whole.ops(), merged.ops());
      assertEquals(whole.outcomes(), merged.outcomes());
      assertFalse(whole.met().isEmpty(), "no op met another: the pairs show nothing");
      assertEquals(whole.met(), merged.met(), "the same pairs of ops met on the same pages");
      // The same programs ran: the same ops and outcomes, and the same signatures met. How they group
      // into findings follows the order a campaign met them in (a signature first met in a program that
      // pins it to a saved finding is counted as that finding; one met first elsewhere may be shrunk as
      // a finding of its own, or as another symptom of one): one worker and two shards meet them in
      // different orders, so the grouping may differ, not what was met.
      assertEquals(met(whole), met(merged));
      // Each finding's reproducer comes from the shard that found it first in the seed order.
      for (CampaignSummary.Found f : merged.findings()) {
        assertEquals(f.program() % 2 == 0 ? "s0" : "s1", r.from().get(f.file()).name(), f.toString());
      }
    }
  }

  @Test
  void outputsOfDifferentCampaignsOrTheSameShardTwiceAreRefused() {
    CampaignSummary a = new CampaignSummary("0.1.0", 1, "eof", List.of(), 8, "tmpfs", "t", "6.18.44", "c", 60, true,
        10, 100, 1, 100, 0, 0, List.of(), List.of(), Map.of(), Map.of(), null, "0/2", null, null);
    CampaignSummary otherSeed = new CampaignSummary("0.1.0", 2, "eof", List.of(), 8, "tmpfs", "t", "6.18.44", "c", 60,
        true, 10, 100, 1, 100, 0, 0, List.of(), List.of(), Map.of(), Map.of(), null, "1/2", null, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ShardMerge.merge(List.of(new ShardMerge.Part("a", a), new ShardMerge.Part("b", otherSeed))));
    assertTrue(e.getMessage().startsWith("b: base seed 2, not 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ShardMerge.merge(List.of(new ShardMerge.Part("a", a), new ShardMerge.Part("a2", a))));
    assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    assertEquals("0/2", ShardMerge.merge(List.of(new ShardMerge.Part("a", a))).summary().shard(),
        "one shard of two: the merge says which it holds");
  }

  @Test
  void schedulersGiveTheShard() {
    assertEquals(new Shard(3, 8), Shard.parse("3/8", Map.of()));
    assertEquals(new Shard(2, 5), Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_MIN", "1",
        "SLURM_ARRAY_TASK_COUNT", "5")));
    assertEquals(new Shard(4, 10), Shard.parse("auto/10", Map.of("JOB_COMPLETION_INDEX", "4")));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", "4")))
        .getMessage().contains("auto/N"));
    assertThrows(IllegalArgumentException.class, () -> Shard.parse("4/4", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> Shard.parse("auto", Map.of()));
  }
}
