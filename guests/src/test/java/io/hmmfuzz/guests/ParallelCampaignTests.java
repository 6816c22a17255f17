package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.Shard;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.linux.PlantedBugKernel;
import io.hmmfuzz.linux.PlantedBugTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fuzz --jobs 2}: two workers, each on its own tmpfs, one output directory and one summary. */
class ParallelCampaignTests {
  @Test
  void twoWorkersLeaveOneCampaignsOutput(@TempDir Path out) throws Exception {
    List<Campaign.Finding> found = new java.util.concurrent.CopyOnWriteArrayList<>();
    CampaignSummary end = ParallelCampaign.run(2, Shard.WHOLE, new ParallelCampaign.Workers() {
      @Override
      public Target target(int i) {
        return new PlantedBugTarget(LinuxTarget.create(FsKind.TMPFS), PlantedBugKernel.Bug.TRUNCATE_KEEPS_TAIL);
      }

      @Override
      public Campaign.Settings settings(int i, Target target, Path dir, Shard shard) {
        return new Campaign.Settings(Profile.eof(), 20261203, Duration.ofMinutes(5), 8, dir, 3, Duration.ofMillis(200),
            150, false, null, List.of(), null, shard);
      }

      @Override
      public CampaignSummary summary(int i, Target target, Campaign.Stats s, Shard shard, boolean finished) {
        return CampaignSummary.of(s, 20261203, "eof", List.of(), 8, target.describe(), target.capabilities(), 300,
            finished).withShard(shard);
      }
    }, out, new ParallelCampaign.Listener() {
      @Override
      public void status(CampaignSummary merged) {}

      @Override
      public void finding(int worker, Campaign.Finding f) {
        found.add(f);
      }
    }, () -> false);
    assertEquals(300, end.programs());
    assertTrue(end.finished());
    assertFalse(end.findings().isEmpty(), "the planted bug was not found: the test shows nothing");
    assertEquals(end, SummaryFile.read(out), "out/summary.json is the merged summary");
    for (CampaignSummary.Found f : end.findings()) {
      assertTrue(Files.exists(out.resolve(f.file())), f.file() + " is not in the campaign's directory");
      Path c = io.hmmfuzz.linux.CReproducer.besidePath(out.resolve(f.file()));
      assertTrue(Files.readString(c).contains("int main(int argc, char **argv)"), c + ": every finding has its C program");
    }
    for (int i = 0; i < 2; i++) {
      CampaignSummary own = SummaryFile.read(ParallelCampaign.workerDir(out, i));
      assertEquals(i + "/2", own.shard());
      assertEquals(150, own.programs());
    }
    assertTrue(found.size() >= end.findings().size());
  }

  /**
   * {@code fuzz --target vm --jobs 2}: each worker a campaign across boots of its own (scripted) guests
   * over its half of the seed space; one output directory, one summary, a finding both met counted once.
   */
  @Test
  void twoWorkersWithTheirOwnGuestsLeaveOneCampaignsOutput(@TempDir Path out) throws Exception {
    String x = "clone/file-view/stale/R22";
    String y = "reflink/file-view/bytes-of-store/R22";
    FakeBoots[] boots = {
        new FakeBoots(new FakeBoots.Finishes(10, 100, List.of(x)), new FakeBoots.Finishes(1, 10, List.of())),
        new FakeBoots(new FakeBoots.Finishes(6, 60, List.of(x, y)), new FakeBoots.Finishes(1, 10, List.of()))};
    List<CampaignSummary> merged = new java.util.concurrent.CopyOnWriteArrayList<>();
    CampaignSummary end = ParallelCampaign.run(2, Shard.WHOLE, (w, dir, mine, status, stop, saved) -> GuestCampaign.run(
        new GuestCampaign.Settings(FsKind.TMPFS, Profile.standard(), List.of(), 42, Duration.ofHours(1), 8, 3, 5000,
            Duration.ofMinutes(3), dir, null, mine),
        boots[w], new GuestCampaignTests.Told() {
          @Override
          public void summary(CampaignSummary s) {
            status.accept(s);
          }
        }, () -> stop.getAsBoolean() || boots[w].left() == 0, saved).summary(), out, merged::add, () -> false);

    assertEquals(new Shard(0, 2), ((Guest.CampaignPart) boots[0].work.get(0)).shard());
    assertEquals(new Shard(1, 2), ((Guest.CampaignPart) boots[1].work.get(1)).shard(), "every boot of worker 1");
    assertEquals(18, end.programs());
    assertEquals(4, end.vm().boots());
    assertEquals(java.util.Map.of("store", java.util.Map.of("load", 18L)), end.met());
    assertEquals(java.util.Set.of(x, y), end.findings().stream().map(CampaignSummary.Found::signature)
        .collect(java.util.stream.Collectors.toSet()));
    assertEquals(1, end.findings().stream().filter(f -> f.signature().equals(x)).findFirst().orElseThrow().others(),
        "the other worker's divergence of a finding counts for it");
    assertEquals(end, SummaryFile.read(out), "out/summary.json is the merged summary");
    assertEquals(11, SummaryFile.read(ParallelCampaign.workerDir(out, 0)).programs(), "each worker's own summary");
    assertFalse(merged.isEmpty());
    // Published while the first boots run, with what they found so far (a finding shows when it is saved,
    // not when its boot ends) and their guest named.
    assertTrue(!merged.get(0).findings().isEmpty() && merged.get(0).programs() > 0, merged.get(0).toString());
    List<io.hmmfuzz.gen.Progress.Sample> course = merged.get(0).progress().samples();
    assertEquals(merged.get(0).divergences(), course.get(course.size() - 1).findings(),
        "the course of findings has them too: " + course);
    assertEquals("6.1.192", merged.get(0).kernel());
  }

  /**
   * A worker's next boot is given what the other workers saved (to count it and its other symptoms as
   * known, not save it again): worker 1 waits for worker 0's finding to be merged, then its boots get it.
   */
  @Test
  void aWorkersNextBootKnowsWhatTheOtherWorkersSaved(@TempDir Path out) throws Exception {
    String x = "ftruncate/device-view/unexpected-success/R17";
    java.util.concurrent.CountDownLatch published = new java.util.concurrent.CountDownLatch(1);
    FakeBoots second = new FakeBoots(new FakeBoots.Finishes(2, 20, List.of()), new FakeBoots.Finishes(1, 10, List.of()));
    ParallelCampaign.run(2, Shard.WHOLE, (w, dir, mine, status, stop, saved) -> {
      GuestCampaign.Settings settings = new GuestCampaign.Settings(FsKind.TMPFS, Profile.standard(), List.of(), 42,
          Duration.ofHours(1), 8, 3, 5000, Duration.ofMinutes(3), dir, null, mine);
      if (w == 0) {
        FakeBoots first = new FakeBoots(new FakeBoots.Finishes(10, 100, List.of(x)));
        CampaignSummary s = GuestCampaign.run(settings, first, new GuestCampaignTests.Told() {
          @Override
          public void summary(CampaignSummary s) {
            status.accept(s);
          }
        }, () -> first.left() == 0, saved).summary();
        published.countDown();
        return s;
      }
      try {
        published.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      return GuestCampaign.run(settings, second, new GuestCampaignTests.Told() {
        @Override
        public void summary(CampaignSummary s) {
          status.accept(s);
        }
      }, () -> second.left() == 0, saved).summary();
    }, out, m -> { }, () -> false);
    for (Object part : second.work) {
      assertEquals(List.of(io.hmmfuzz.core.run.Signature.parse(x)), ((Guest.CampaignPart) part).earlier(),
          "worker 1's boot was not told worker 0's finding");
    }
    assertEquals(2, second.work.size());
  }

  /**
   * Two workers save the same finding: out/ holds the reproducer the merge keeps (the one found in the
   * lower program), not also the copy of the other that an earlier merge had kept.
   */
  @Test
  void theCampaignsDirectoryKeepsOnlyTheMergedFindingsReproducers(@TempDir Path out) throws Exception {
    String x = "ftruncate/device-view/unexpected-success/R17";
    java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
    ParallelCampaign.run(2, Shard.WHOLE, (w, dir, mine, status, stop, saved) -> {
      if (w == 1) {
        try {
          first.await();
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      String file = "xfs-r17-" + w + ".repro";
      Files.writeString(dir.resolve(file), "# hmmfuzz-reproducer of worker " + w + "\n");
      CampaignSummary.Found f = new CampaignSummary.Found(x, "divergence", file, 3, "5/5", 0, w == 0 ? 50 : 7);
      CampaignSummary s = new CampaignSummary(Campaign.TOOL_VERSION, 1, "device", List.of(), 8, "xfs", "vm",
          "6.1.192", "caps", 60, true, 100, 1000, 60, 16.7, 1, 0, List.of(f), List.of(), java.util.Map.of(),
          java.util.Map.of(), null).withShard(mine);
      status.accept(s);
      if (w == 0) {
        assertTrue(Files.exists(out.resolve(file)), "worker 0's finding is the campaign's for now");
        first.countDown();
      }
      return s;
    }, out, m -> { }, () -> false);
    assertTrue(Files.exists(out.resolve("xfs-r17-1.repro")), "the finding of the lower program is kept");
    assertFalse(Files.exists(out.resolve("xfs-r17-0.repro")), "the copy the merge no longer keeps went");
    assertTrue(Files.exists(ParallelCampaign.workerDir(out, 0).resolve("xfs-r17-0.repro")), "the worker's own stays");
  }
}
